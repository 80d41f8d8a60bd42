/*
 * gitx.h - what runway asks of git (libgit2).
 */
#ifndef RUNWAY_GITX_H
#define RUNWAY_GITX_H

/*
 * The commit (hex) and branch or tag name of HEAD of the repository that
 * contains dir. Both NULL outside a repository or on an unborn branch;
 * *ref NULL for a detached HEAD. Caller frees both. Never fails: git is
 * extra information here, not a requirement.
 */
void gitx_head(const char *dir, char **commit, char **ref);

#endif
