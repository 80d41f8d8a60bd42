/*
 * change.h - one change file.
 *
 * Grammar (SPEC §2). A directive is a line "-- runway:WORD [ARGS]" (spaces
 * allowed after "--"); every other line is SQL or a comment belonging to the
 * section it stands in.
 *
 *   header (before deploy):  requires ID...   labels L...   no-transaction
 *                            allow RULE...    irreversible
 *   sections, in this order: deploy (required), revert (required unless
 *                            irreversible), verify (optional)
 *   inside a section:        allow RULE... silences a check for the next
 *                            statement only (read by src/check)
 *
 * Only blank lines and "--" comments may stand before "-- runway:deploy".
 * CRLF is folded to LF when the file is read. The checksum is the SHA-256
 * (hex) of the deploy section's text. The id is the file name without ".sql"
 * and must match [A-Za-z0-9][A-Za-z0-9_.-]*.
 */
#ifndef RUNWAY_CHANGE_H
#define RUNWAY_CHANGE_H

#include <stdbool.h>
#include <stddef.h>
#include "util/vec.h"

struct runway_buf;
struct runway_error;
struct vars;

struct change_section {
	char *text;     /* section text (LF line ends); NULL if absent */
	size_t len;
	unsigned line;  /* file line of the section's first text line */
};

struct change {
	char *id;
	char *path;               /* as shown in messages: "migrations/ID.sql" */
	struct strvec requires;
	struct strvec labels;
	struct strvec allow;
	bool no_transaction;
	bool irreversible;
	struct change_section deploy, revert, verify;
	char checksum[65];        /* SHA-256 hex of the deploy text */
};

#define CHANGE_MAX_FILE (64u << 20)

/* True when name (without .sql) is a valid change id. */
bool change_id_valid(const char *id);
/* Parse text (need not be NUL-terminated); path names the file in errors. */
int change_parse(struct change *c, const char *id, const char *path,
		 const char *text, size_t len, struct runway_error *err);
enum change_parse_flags {
	CHANGE_NO_REVERT_OK = 1 << 0, /* runway check reports it as missing-revert */
};
int change_parse_flags(struct change *c, const char *id, const char *path,
		       const char *text, size_t len, unsigned flags, struct runway_error *err);
/* Read and parse dir/filename (filename ends in .sql). */
int change_load(struct change *c, const char *dir, const char *filename,
		struct runway_error *err);
void change_release(struct change *c);

/* SHA-256 hex of data into out[65]. */
void change_checksum(char out[65], const char *data, size_t len);

/*
 * The file line where the statement starting at offset of section s
 * begins, skipping leading blank space and "--" / block comments.
 */
unsigned change_line_at(const struct change_section *s, size_t offset);

/*
 * Expand ${name} placeholders of section s from vars into out; an unknown
 * one fails with "path:line: unknown placeholder '${x}'".
 */
int change_expand(const struct change *c, const struct change_section *s,
		  const struct vars *vars, struct runway_buf *out, struct runway_error *err);

/* Does the change go to an environment selecting these labels? */
bool change_matches_labels(const struct change *c, const struct strvec *labels);

#endif
