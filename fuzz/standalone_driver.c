/*
 * standalone_driver.c - replay a corpus through a fuzz target without
 * libFuzzer (libgit2/libgit2: fuzzers/standalone_driver.c).
 *
 *   fuzz_<name>_replay DIR|FILE...
 *
 * Directories are walked (hidden files skipped). Each file is read into a
 * buffer of exactly its size, so a target that reads past its input trips
 * AddressSanitizer in a sanitizer build; the empty input runs first, as
 * with libFuzzer. Exits 1 when a path cannot be read or no input was
 * found; a target that finds a bug aborts.
 */
#include "util/common.h"
#include "util/fs.h"
#include "util/vec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void run_input(const char *data, size_t len)
{
	uint8_t *copy = xmalloc(len ? len : 1);
	memcpy(copy, data, len);
	LLVMFuzzerTestOneInput(copy, len);
	free(copy);
}

static int run_path(const char *path, size_t *count)
{
	struct runway_error err = RUNWAY_ERROR_INIT;
	struct runway_buf b = RUNWAY_BUF_INIT;
	struct strvec names = STRVEC_INIT;
	size_t i;
	int ret = 0;

	if (!fs_is_dir(path)) {
		if (fs_read_file(&b, path, 64u << 20, &err) < 0)
			goto fail;
		run_input(b.buf, b.len);
		runway_buf_release(&b);
		(*count)++;
		return 0;
	}
	if (fs_list_dir(&names, path, "", &err) < 0)
		goto fail;
	for (i = 0; i < names.n && !ret; i++) {
		char *sub = xasprintf("%s/%s", path, names.v[i]);
		ret = run_path(sub, count);
		free(sub);
	}
	strvec_release(&names);
	return ret;
fail:
	fprintf(stderr, "standalone_driver: %s\n", err.msg);
	runway_error_clear(&err);
	return -1;
}

int main(int argc, char **argv)
{
	size_t count = 0;
	int i;

	if (argc < 2) {
		fprintf(stderr, "usage: %s CORPUS_DIR|FILE...\n", argv[0]);
		return 2;
	}
	run_input("", 0);
	for (i = 1; i < argc; i++)
		if (run_path(argv[i], &count) < 0)
			return 1;
	if (!count) {
		fprintf(stderr, "standalone_driver: no inputs found\n");
		return 1;
	}
	printf("%s: %zu inputs ran\n", argv[0], count);
	return 0;
}
