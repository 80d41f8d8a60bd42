/* plan.c - see plan.h. */
#include "util/common.h"
#include "core/plan.h"
#include "util/fs.h"

static const struct plan *sort_plan; /* qsort has no context argument */

static int cmp_by_id(const void *a, const void *b)
{
	return strcmp(sort_plan->changes[*(const size_t *)a].id,
		      sort_plan->changes[*(const size_t *)b].id);
}

static void build_index(struct plan *p)
{
	size_t i;
	free(p->by_id);
	p->by_id = xmalloc((p->n ? p->n : 1) * sizeof(size_t));
	for (i = 0; i < p->n; i++)
		p->by_id[i] = i;
	sort_plan = p;
	qsort(p->by_id, p->n, sizeof(size_t), cmp_by_id);
	sort_plan = NULL;
}

long plan_index(const struct plan *p, const char *id)
{
	size_t lo = 0, hi = p->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(p->changes[p->by_id[mid]].id, id);
		if (!c)
			return (long)p->by_id[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

const struct change *plan_find(const struct plan *p, const char *id)
{
	long i = plan_index(p, id);
	return i < 0 ? NULL : &p->changes[i];
}

/* A min-heap of ranks (positions in id order). */
struct heap {
	size_t *v;
	size_t n;
};

static void heap_push(struct heap *h, size_t x)
{
	size_t i = h->n++;
	h->v[i] = x;
	while (i && h->v[(i - 1) / 2] > h->v[i]) {
		size_t t = h->v[i];
		h->v[i] = h->v[(i - 1) / 2];
		h->v[(i - 1) / 2] = t;
		i = (i - 1) / 2;
	}
}

static size_t heap_pop(struct heap *h)
{
	size_t top = h->v[0], i = 0;
	h->v[0] = h->v[--h->n];
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		if (l < h->n && h->v[l] < h->v[m])
			m = l;
		if (r < h->n && h->v[r] < h->v[m])
			m = r;
		if (m == i)
			break;
		{
			size_t t = h->v[i];
			h->v[i] = h->v[m];
			h->v[m] = t;
		}
		i = m;
	}
	return top;
}

int plan_order(struct plan *p, struct runway_error *err)
{
	size_t n = p->n, i, j, k, placed = 0;
	size_t *rank = NULL, *indeg = NULL, *order = NULL;
	size_t **dependents = NULL, *ndep = NULL;
	struct heap h = { NULL, 0 };
	struct change *sorted = NULL;
	int ret = -1;

	build_index(p);
	/* duplicate ids cannot come from one directory, but can from a caller */
	for (i = 1; i < n; i++)
		if (!strcmp(p->changes[p->by_id[i]].id, p->changes[p->by_id[i - 1]].id))
			return runway_error_set(err, RUNWAY_E_CHANGE, "duplicate change id '%s'",
						p->changes[p->by_id[i]].id);
	rank = xcalloc(n + 1, sizeof(size_t));
	indeg = xcalloc(n + 1, sizeof(size_t));
	ndep = xcalloc(n + 1, sizeof(size_t));
	dependents = xcalloc(n + 1, sizeof(size_t *));
	order = xcalloc(n + 1, sizeof(size_t));
	h.v = xcalloc(n + 1, sizeof(size_t));
	for (i = 0; i < n; i++)
		rank[p->by_id[i]] = i;
	for (i = 0; i < n; i++) {
		struct change *c = &p->changes[i];
		for (j = 0; j < c->requires.n; j++) {
			long d = plan_index(p, c->requires.v[j]);
			if (d < 0) {
				runway_error_set(err, RUNWAY_E_CHANGE,
						 "%s: requires unknown change '%s'", c->path, c->requires.v[j]);
				goto out;
			}
			if ((size_t)d == i) {
				runway_error_set(err, RUNWAY_E_CHANGE, "%s: requires itself", c->path);
				goto out;
			}
			dependents[d] = xrealloc(dependents[d], (ndep[d] + 1) * sizeof(size_t));
			dependents[d][ndep[d]++] = i;
			indeg[i]++;
		}
	}
	for (i = 0; i < n; i++)
		if (!indeg[i])
			heap_push(&h, rank[i]);
	while (h.n) {
		size_t c = p->by_id[heap_pop(&h)];
		order[placed++] = c;
		for (k = 0; k < ndep[c]; k++)
			if (--indeg[dependents[c][k]] == 0)
				heap_push(&h, rank[dependents[c][k]]);
	}
	if (placed < n) {
		struct runway_buf cyc = RUNWAY_BUF_INIT;
		bool pruned;
		/* drop changes that only wait behind a cycle: list the cycle itself */
		do {
			pruned = false;
			for (i = 0; i < n; i++) {
				if (!indeg[i])
					continue;
				for (k = 0; k < ndep[i] && !indeg[dependents[i][k]]; k++)
					;
				if (k == ndep[i]) {
					indeg[i] = 0;
					pruned = true;
				}
			}
		} while (pruned);
		for (i = 0; i < n; i++) {
			if (!indeg[p->by_id[i]])
				continue;
			if (cyc.len)
				runway_buf_adds(&cyc, ", ");
			runway_buf_adds(&cyc, p->changes[p->by_id[i]].id);
		}
		runway_error_set(err, RUNWAY_E_CHANGE, "requires cycle among changes: %s", cyc.buf);
		runway_buf_release(&cyc);
		goto out;
	}
	sorted = xcalloc(n + 1, sizeof(*sorted));
	for (i = 0; i < n; i++)
		sorted[i] = p->changes[order[i]];
	free(p->changes);
	p->changes = sorted;
	build_index(p);
	ret = 0;
out:
	for (i = 0; i < n; i++)
		free(dependents[i]);
	free(dependents);
	free(ndep);
	free(rank);
	free(indeg);
	free(order);
	free(h.v);
	return ret;
}

int plan_load(struct plan *p, const char *dir, struct runway_error *err)
{
	struct strvec files = STRVEC_INIT;
	size_t i;
	int ret = -1;

	memset(p, 0, sizeof(*p));
	if (fs_list_dir(&files, dir, ".sql", err) < 0) {
		if (err->klass == RUNWAY_E_CONFIG)
			runway_error_hint(err, "run 'runway init', or set 'migrations:' in runway.yml");
		goto out;
	}
	p->changes = xcalloc(files.n + 1, sizeof(*p->changes));
	for (i = 0; i < files.n; i++) {
		if (change_load(&p->changes[p->n], dir, files.v[i], err) < 0) {
			change_release(&p->changes[p->n]);
			goto out;
		}
		p->n++;
	}
	ret = plan_order(p, err);
out:
	strvec_release(&files);
	return ret;
}

void plan_release(struct plan *p)
{
	size_t i;
	for (i = 0; i < p->n; i++)
		change_release(&p->changes[i]);
	free(p->changes);
	free(p->by_id);
	memset(p, 0, sizeof(*p));
}
