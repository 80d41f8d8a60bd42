/* gitx.c - see gitx.h. */
#include "util/common.h"
#include "gitx/gitx.h"

#include <git2.h>

void gitx_head(const char *dir, char **commit, char **ref)
{
	git_repository *repo = NULL;
	git_reference *head = NULL;
	const git_oid *oid;
	char hex[GIT_OID_HEXSZ + 1];

	*commit = NULL;
	*ref = NULL;
	git_libgit2_init();
	if (git_repository_open_ext(&repo, dir, 0, NULL) < 0)
		goto out;
	if (git_repository_head(&head, repo) < 0)
		goto out;
	oid = git_reference_target(head);
	if (!oid)
		goto out;
	git_oid_tostr(hex, sizeof(hex), oid);
	*commit = xstrdup(hex);
	if (git_reference_is_branch(head) || git_reference_is_tag(head))
		*ref = xstrdup(git_reference_shorthand(head));
out:
	git_reference_free(head);
	git_repository_free(repo);
	git_libgit2_shutdown();
}
