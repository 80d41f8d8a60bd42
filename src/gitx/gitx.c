/* gitx.c - see gitx.h. */
#include "util/common.h"
#include "gitx/gitx.h"
#include "util/fs.h"

#include <git2.h>
#include <sys/stat.h>
#include <unistd.h>

/* The file gitdir/name, trailing blanks cut, or NULL (caller frees). */
static char *git_file(const char *gitdir, const char *name, size_t max)
{
	struct runway_buf b = RUNWAY_BUF_INIT;
	struct runway_error ign = RUNWAY_ERROR_INIT;
	char *path = xasprintf("%s/%s", gitdir, name);
	int rc = fs_read_file(&b, path, max, &ign);

	free(path);
	runway_error_clear(&ign);
	if (rc < 0) {
		runway_buf_release(&b);
		return NULL;
	}
	while (b.len && isspace((unsigned char)b.buf[b.len - 1]))
		b.buf[--b.len] = '\0';
	return runway_buf_detach(&b);
}

static bool is_oid(const char *s, size_t n)
{
	size_t i;
	for (i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]) || isupper((unsigned char)s[i]))
			return false;
	return n == 40;
}

/*
 * HEAD straight from the files of a plain repository. git_libgit2_init()
 * costs ~4 ms a process here (Debian's libgit2 parses every system CA
 * certificate for its TLS stream), a third of a no-op `runway status`.
 * Answers (returns true) when no repository is found upwards from dir on
 * its file system, and for a .git directory of the current user whose HEAD
 * is detached or names a branch with a loose or packed ref, or an unborn
 * one. Anything else (worktrees, bare repositories, symbolic refs to refs,
 * other owners: safe.directory) is left to libgit2.
 */
static bool head_from_files(const char *dir, char **commit, char **ref)
{
	char *d = realpath(dir, NULL), *gitdir = NULL, *head = NULL, *val = NULL, *slash;
	struct stat st, top;
	bool ok = false;

	if (!d || stat(d, &top) < 0)
		goto out;
	for (;;) {
		char *p = xasprintf("%s/HEAD", d);
		bool bare = stat(p, &st) == 0;
		free(p);
		if (bare)
			goto out; /* dir or a parent is itself a git directory */
		gitdir = xasprintf("%s/.git", d);
		if (lstat(gitdir, &st) == 0)
			break;
		free(gitdir);
		gitdir = NULL;
		/* up to the parent; none at "/" or a file-system boundary, like libgit2 */
		slash = strrchr(d, '/');
		ok = !slash || !strcmp(d, "/");
		if (ok)
			goto out;
		slash[slash == d] = '\0';
		if (stat(d, &st) < 0)
			goto out;
		ok = st.st_dev != top.st_dev;
		if (ok)
			goto out;
	}
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() || stat(d, &st) < 0 ||
	    st.st_uid != geteuid())
		goto out;
	{
		char *p = xasprintf("%s/commondir", gitdir), *o = xasprintf("%s/objects", gitdir);
		bool plain = stat(p, &st) < 0 && stat(o, &st) == 0 && S_ISDIR(st.st_mode);
		free(p);
		free(o);
		if (!plain)
			goto out;
	}
	head = git_file(gitdir, "HEAD", 4096);
	if (!head)
		goto out;
	if (is_oid(head, strlen(head))) {
		*commit = xstrdup(head);
		ok = true;
		goto out;
	}
	if (strncmp(head, "ref: refs/heads/", 16) || strstr(head, "..") || strchr(head, '\n'))
		goto out;
	val = git_file(gitdir, head + 5, 4096);
	if (val && !is_oid(val, strlen(val)))
		goto out; /* a symbolic ref to a ref */
	if (!val) {
		char *packed = git_file(gitdir, "packed-refs", (size_t)1 << 28), *line;
		size_t nl = strlen(head + 5);
		for (line = packed; line && *line; line += strcspn(line, "\n"), line += *line == '\n') {
			if (is_oid(line, strcspn(line, " \n")) && line[40] == ' ' &&
			    !strncmp(line + 41, head + 5, nl) && (line[41 + nl] == '\n' || !line[41 + nl])) {
				val = xstrndup(line, 40);
				break;
			}
		}
		free(packed);
	}
	if (val) { /* else an unborn branch: neither */
		*commit = val;
		*ref = xstrdup(head + 16);
		val = NULL;
	}
	ok = true;
out:
	free(d);
	free(gitdir);
	free(head);
	free(val);
	return ok;
}

void gitx_head(const char *dir, char **commit, char **ref)
{
	git_repository *repo = NULL;
	git_reference *head = NULL;
	const git_oid *oid;
	char hex[GIT_OID_HEXSZ + 1];

	*commit = NULL;
	*ref = NULL;
	if (head_from_files(dir, commit, ref))
		return;
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
