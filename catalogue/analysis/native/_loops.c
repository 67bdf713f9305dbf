/* Output control's inner loops, compiled (the .py files named are output_control's).
 *
 * add_pairs, fingerprint.py's fingerprint_table: every (set, unit) pair
 * adds its unit to 4 cells of its set's IBLT (count + 1, id and check hash xor-ed in).
 * numpy can only do this with ufunc.at, one pass per partition and array, about 20 times
 * slower; this is one pass over the pairs, without the GIL. A cell's count and two xors sit
 * side by side in `table` (3 words per cell), so an update touches one cache line, not three.
 * fingerprint.py keeps the numpy version, and a test holds the two equal.
 *
 * all_distinct, cell_key.py's: whether no id repeats, by one pass setting bits in a bitmap
 * of the ids' range (a bit per possible id: 0.7 MB for 5.5 million positions, in cache)
 * where numpy counts into an array of 8-byte counters or sorts.
 *
 * cell_magnitudes, magnitudes.py's Magnitudes.of_pairs: per cell the total of absolute
 * contributions, the `keep` largest, the total without the two largest, and the value
 * digest (value_keys.py: the sum mod 2^64 of each pair's key, a mix of its unit's set id
 * and its value's bits), in two passes and no temporary arrays (numpy needs a dozen passes
 * and as many arrays of every pair).
 *
 * model_rows, model_support.py's evidence of a model: per row its pattern's row count and
 * record key sum, the rows whose outcome equals a given value (their count and key sum),
 * and the model's value digest (each row keyed by its unit's set id and the bits of its
 * outcome mixed with its pattern's hash), in one pass (numpy needs a dozen). */
#include "_buffers.h"
#include <math.h>
#include <stdint.h>
#include <string.h>

#define PARTITIONS 4
#define CELL_BITS 7
#define CELL_MASK 127


static PyObject *add_pairs(PyObject *self, PyObject *args) {
    PyObject *objects[6];
    Buffer buffers[6] = {{0}};
    static const Py_ssize_t items[6] = {8, 8, 8, 4, 8, 8};
    static const char *codes[6] = {"lq", "lq", "LQ", "i", "LQ", "LQ"};
    static const char *names[6] = {"cell", "unit", "set_ids", "packed_slots", "checks", "table"};
    Py_ssize_t cells_per_set;
    PyObject *result = NULL;
    if (!PyArg_ParseTuple(args, "OOOOOOn", &objects[0], &objects[1], &objects[2], &objects[3],
                          &objects[4], &objects[5], &cells_per_set)) {
        return NULL;
    }
    if (take_all(objects, buffers, 6, 1u << 5, items, codes, names) != 0) {
        goto done;
    }
    Py_ssize_t pairs = buffers[0].view.len / 8;
    Py_ssize_t units = buffers[2].view.len / 8;
    Py_ssize_t slots = buffers[5].view.len / 24;
    if (buffers[1].view.len / 8 != pairs || buffers[3].view.len / 4 != units ||
        buffers[4].view.len / 8 != units || buffers[5].view.len % 24 != 0 ||
        cells_per_set <= CELL_MASK) {
        PyErr_SetString(PyExc_ValueError, "arrays of mismatched lengths");
        goto done;
    }
    const int64_t *cell = buffers[0].view.buf;
    const int64_t *unit = buffers[1].view.buf;
    const uint64_t *set_ids = buffers[2].view.buf;
    const int32_t *packed = buffers[3].view.buf;
    const uint64_t *checks = buffers[4].view.buf;
    uint64_t *table = buffers[5].view.buf;
    int64_t sets = (int64_t)(slots / cells_per_set);
    Py_ssize_t bad = -1;
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t k = 0; k < pairs; k++) {
        int64_t u = unit[k];
        if (u < 0 || u >= units || cell[k] < 0 || cell[k] >= sets) {  /* before multiplying */
            bad = k;
            break;
        }
        int64_t base = cell[k] * (int64_t)cells_per_set;
        uint32_t bits = (uint32_t)packed[u];
        uint64_t id = set_ids[u], check = checks[u];
        for (int p = 0; p < PARTITIONS; p++) {
            uint64_t *at = table + 3 * (base + ((bits >> (CELL_BITS * p)) & CELL_MASK));
            at[0] += 1;
            at[1] ^= id;
            at[2] ^= check;
        }
    }
    Py_END_ALLOW_THREADS
    result = none_unless_outside(bad, "pair %zd names a unit or set outside the arrays");
done:
    release_all(buffers, 6);
    return result;
}

static PyObject *all_distinct(PyObject *self, PyObject *args) {
    PyObject *object;
    Buffer buffer = {{0}};
    Py_ssize_t most_bits;
    PyObject *result = NULL;
    if (!PyArg_ParseTuple(args, "On", &object, &most_bits)) {
        return NULL;
    }
    if (take(object, &buffer, 0, 8, "lq", "ids") != 0) {
        goto done;
    }
    const int64_t *ids = buffer.view.buf;
    Py_ssize_t count = buffer.view.len / 8;
    if (count < 2) {
        result = Py_True;
        Py_INCREF(result);
        goto done;
    }
    int64_t low = ids[0], high = ids[0];
    for (Py_ssize_t i = 1; i < count; i++) {
        low = ids[i] < low ? ids[i] : low;
        high = ids[i] > high ? ids[i] : high;
    }
    uint64_t span = (uint64_t)high - (uint64_t)low; /* no overflow, unlike high - low */
    if (span >= (uint64_t)most_bits) {
        result = Py_None; /* too wide a range for a bitmap: the caller sorts */
        Py_INCREF(result);
        goto done;
    }
    uint64_t *bits = PyMem_Calloc(span / 64 + 1, sizeof(uint64_t));
    if (bits == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    int repeated = 0;
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t i = 0; i < count; i++) {
        uint64_t at = (uint64_t)ids[i] - (uint64_t)low;
        uint64_t mask = (uint64_t)1 << (at & 63);
        if (bits[at >> 6] & mask) {
            repeated = 1;
            break;
        }
        bits[at >> 6] |= mask;
    }
    Py_END_ALLOW_THREADS
    PyMem_Free(bits);
    result = repeated ? Py_False : Py_True;
    Py_INCREF(result);
done:
    if (buffer.held) {
        PyBuffer_Release(&buffer.view);
    }
    return result;
}

#define VALUE_SALT 0x5851F42D4C957F2DULL /* value_keys.VALUE_SALT */

/* Inserts pair k's magnitude into cell c's list of its `keep` largest, descending (an
 * earlier pair stays ahead of an equal one). The list is column-major: slot j of cell c is
 * at j * cells + c; an empty slot has largest_at -1. Shared by cell_magnitudes and
 * cell_aggregates, which must pick the same pairs (the numpy twins are held equal). */
static inline void keep_largest(double *largest, int64_t *largest_at, Py_ssize_t cells,
                                Py_ssize_t keep, int64_t c, double magnitude, Py_ssize_t k) {
    Py_ssize_t j = keep;
    while (j > 0 && (largest_at[(j - 1) * cells + c] < 0 ||
                     largest[(j - 1) * cells + c] < magnitude)) {
        j--;
    }
    if (j == keep) {
        return;
    }
    for (Py_ssize_t m = keep - 1; m > j; m--) {
        largest[m * cells + c] = largest[(m - 1) * cells + c];
        largest_at[m * cells + c] = largest_at[(m - 1) * cells + c];
    }
    largest[j * cells + c] = magnitude;
    largest_at[j * cells + c] = k;
}

/* What each cell holds beyond its two largest contributions (the p % rule's rest), added
 * in pair order so the sum is the same to the last bit as the numpy twin's. */
static inline void add_rest(double *rest, const double *values, const int64_t *cell,
                            Py_ssize_t pairs, const int64_t *largest_at, Py_ssize_t cells) {
    for (Py_ssize_t k = 0; k < pairs; k++) {
        int64_t c = cell[k];
        if (k != largest_at[c] && k != largest_at[cells + c]) {
            rest[c] += fabs(values[k]);
        }
    }
}

static PyObject *cell_magnitudes(PyObject *self, PyObject *args) {
    PyObject *objects[9];
    Buffer buffers[9] = {{0}};
    static const Py_ssize_t items[9] = {8, 8, 8, 8, 8, 8, 8, 8, 8};
    static const char *codes[9] = {"lq", "d", "lq", "LQ", "d", "d", "lq", "d", "LQ"};
    static const char *names[9] = {"cell",    "values",  "unit",       "set_ids", "totals",
                                   "largest", "largest_at", "rest", "digests"};
    PyObject *result = NULL;
    if (!PyArg_ParseTuple(args, "OOOOOOOOO", &objects[0], &objects[1], &objects[2], &objects[3],
                          &objects[4], &objects[5], &objects[6], &objects[7], &objects[8])) {
        return NULL;
    }
    if (take_all(objects, buffers, 9, 0x1F0u, items, codes, names) != 0) {
        goto done;
    }
    Py_ssize_t pairs = buffers[0].view.len / 8;
    Py_ssize_t units = buffers[3].view.len / 8;
    Py_ssize_t cells = buffers[4].view.len / 8;
    Py_ssize_t keep = cells ? buffers[5].view.len / 8 / cells : 0;
    if (buffers[1].view.len / 8 != pairs || buffers[2].view.len / 8 != pairs ||
        buffers[7].view.len / 8 != cells || buffers[8].view.len / 8 != cells ||
        buffers[6].view.len != buffers[5].view.len || (cells && keep < 2) ||
        (cells && buffers[5].view.len / 8 != keep * cells) || (!cells && pairs)) {
        PyErr_SetString(PyExc_ValueError, "arrays of mismatched lengths");
        goto done;
    }
    const int64_t *cell = buffers[0].view.buf;
    const double *values = buffers[1].view.buf;
    const int64_t *unit = buffers[2].view.buf;
    const uint64_t *set_ids = buffers[3].view.buf;
    double *totals = buffers[4].view.buf, *largest = buffers[5].view.buf;
    int64_t *largest_at = buffers[6].view.buf;
    double *rest = buffers[7].view.buf;
    uint64_t *digests = buffers[8].view.buf;
    Py_ssize_t bad = -1;
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t c = 0; c < cells; c++) {
        totals[c] = 0.0;
        rest[c] = 0.0;
        digests[c] = 0;
        for (Py_ssize_t j = 0; j < keep; j++) {
            largest[j * cells + c] = 0.0;
            largest_at[j * cells + c] = -1;
        }
    }
    for (Py_ssize_t k = 0; k < pairs && bad < 0; k++) {
        int64_t c = cell[k];
        int64_t u = unit[k];
        if (c < 0 || c >= cells || u < 0 || u >= units) {
            bad = k;
            break;
        }
        double canonical = values[k] + 0.0; /* -0.0 is 0.0 */
        uint64_t bits;
        memcpy(&bits, &canonical, sizeof bits);
        digests[c] += splitmix64(set_ids[u] ^ splitmix64(bits ^ VALUE_SALT));
        double magnitude = fabs(values[k]);
        totals[c] += magnitude;
        /* Insert into the cell's list of its `keep` largest, descending (an earlier pair
         * stays ahead of an equal one). */
        keep_largest(largest, largest_at, cells, keep, c, magnitude, k);
    }
    if (bad < 0) {
        add_rest(rest, values, cell, pairs, largest_at, cells);
    }
    Py_END_ALLOW_THREADS
    result = none_unless_outside(bad, "pair %zd names a cell or unit outside the arrays");
done:
    release_all(buffers, 9);
    return result;
}

static PyObject *model_rows(PyObject *self, PyObject *args) {
    PyObject *objects[8];
    Buffer buffers[8] = {{0}};
    static const Py_ssize_t items[8] = {8, 8, 8, 8, 2, 8, 8, 8};
    static const char *codes[8] = {"lq", "lq", "d", "LQ", "h", "LQ", "lq", "lq"};
    static const char *names[8] = {"row_pattern", "unit",         "outcome", "set_ids",
                                   "record_keys", "pattern_hash", "rows",    "keys"};
    double inside_value;
    PyObject *result = NULL;
    if (!PyArg_ParseTuple(args, "OOOOOOOOd", &objects[0], &objects[1], &objects[2], &objects[3],
                          &objects[4], &objects[5], &objects[6], &objects[7], &inside_value)) {
        return NULL;
    }
    if (take_all(objects, buffers, 8, 0xC0u, items, codes, names) != 0) {
        goto done;
    }
    Py_ssize_t count = buffers[0].view.len / 8;
    Py_ssize_t units = buffers[3].view.len / 8;
    Py_ssize_t patterns = buffers[5].view.len / 8;
    if (buffers[1].view.len / 8 != count || buffers[2].view.len / 8 != count ||
        buffers[4].view.len / 2 != units || buffers[6].view.len / 8 != patterns ||
        buffers[7].view.len / 8 != patterns) {
        PyErr_SetString(PyExc_ValueError, "arrays of mismatched lengths");
        goto done;
    }
    const int64_t *row_pattern = buffers[0].view.buf, *unit = buffers[1].view.buf;
    const double *outcome = buffers[2].view.buf;
    const uint64_t *set_ids = buffers[3].view.buf, *pattern_hash = buffers[5].view.buf;
    const int16_t *record_keys = buffers[4].view.buf;
    int64_t *rows = buffers[6].view.buf, *keys = buffers[7].view.buf;
    uint64_t digest = 0;
    int64_t inside = 0, inside_keys = 0;
    Py_ssize_t bad = -1;
    Py_BEGIN_ALLOW_THREADS
    memset(rows, 0, (size_t)patterns * sizeof(int64_t));
    memset(keys, 0, (size_t)patterns * sizeof(int64_t));
    for (Py_ssize_t k = 0; k < count; k++) {
        int64_t g = row_pattern[k], u = unit[k];
        if (g < 0 || g >= patterns || u < 0 || u >= units) {
            bad = k;
            break;
        }
        int64_t key = record_keys[u];
        rows[g] += 1;
        keys[g] += key;
        double y = outcome[k] + 0.0; /* -0.0 is 0.0 */
        if (y == inside_value) {
            inside += 1;
            inside_keys += key;
        }
        uint64_t bits;
        memcpy(&bits, &y, sizeof bits);
        uint64_t row_bits = splitmix64(bits ^ pattern_hash[g]);
        digest += splitmix64(set_ids[u] ^ splitmix64(row_bits ^ VALUE_SALT));
    }
    Py_END_ALLOW_THREADS
    if (bad >= 0) {
        PyErr_Format(PyExc_IndexError, "row %zd names a pattern or unit outside the arrays", bad);
        goto done;
    }
    result = Py_BuildValue("(KLL)", (unsigned long long)digest, (long long)inside,
                           (long long)inside_keys);
done:
    release_all(buffers, 8);
    return result;
}

static PyObject *majority(PyObject *self, PyObject *args) {
    PyObject *object;
    Buffer buffer = {{0}};
    PyObject *result = NULL;
    if (!PyArg_ParseTuple(args, "O", &object)) {
        return NULL;
    }
    if (take(object, &buffer, 0, 8, "d", "values") != 0) {
        goto done;
    }
    const double *values = buffer.view.buf;
    Py_ssize_t count = buffer.view.len / 8;
    double candidate = count ? values[0] + 0.0 : 0.0;
    Py_ssize_t votes = 0;
    Py_BEGIN_ALLOW_THREADS
    /* Boyer and Moore's majority vote: a value held by more than half the entries is the
     * one left standing. */
    for (Py_ssize_t i = 0; i < count; i++) {
        double value = values[i] + 0.0;
        if (votes == 0) {
            candidate = value;
            votes = 1;
        } else if (value == candidate) {
            votes++;
        } else {
            votes--;
        }
    }
    Py_END_ALLOW_THREADS
    result = PyFloat_FromDouble(candidate);
done:
    if (buffer.held) {
        PyBuffer_Release(&buffer.view);
    }
    return result;
}


/* fingerprint.py's _SALTS and _CHECK_SALT: a keyed id's cell in each partition, its check. */
static const uint64_t PARTITION_SALTS[PARTITIONS] = {0x9E3779B97F4A7C15ULL,
                                                     0xC2B2AE3D27D4EB4FULL,
                                                     0x165667B19E3779F9ULL,
                                                     0xD6E8FEB86659FD93ULL};
static const uint64_t CHECK_SALT = 0x27D4EB2F165667C5ULL;

/* A keyed (unit, value) pair added to a set's fingerprint (PARTITIONS × 32 cells of count,
 * id xor and check xor), its cells and check as UnitHashes.of makes them for an id. */
static inline void add_keyed_pair(uint64_t *table, uint64_t pair) {
    uint64_t check = splitmix64(pair ^ CHECK_SALT);
    for (int p = 0; p < PARTITIONS; p++) {
        uint64_t cell = splitmix64(pair ^ PARTITION_SALTS[p]) % 32 + (uint64_t)p * 32;
        uint64_t *at = table + 3 * cell;
        at[0] += 1;
        at[1] ^= pair;
        at[2] ^= check;
    }
}

/* unit_hashes, fingerprint.py's UnitHashes.of: per id its cell in each partition packed in
 * 7 bits each, and its check hash, in one pass (numpy needs five scrambles over a
 * (ids, 4) array and as many temporaries: 0.7 s for the 5.5 million (unit, value) pairs of
 * a table, which cannot be cached per unit as the units' own hashes are). The salts and
 * the cells per partition must equal fingerprint.py's; a test holds the two equal. */
static PyObject *unit_hashes(PyObject *self, PyObject *args) {
    PyObject *objects[3];
    Buffer buffers[3] = {{0}};
    static const Py_ssize_t items[3] = {8, 4, 8};
    static const char *codes[3] = {"LQ", "i", "LQ"};
    static const char *names[3] = {"set_ids", "packed_slots", "checks"};
    Py_ssize_t cells_per_partition;
    PyObject *result = NULL;
    if (!PyArg_ParseTuple(args, "OOOn", &objects[0], &objects[1], &objects[2],
                          &cells_per_partition)) {
        return NULL;
    }
    if (take_all(objects, buffers, 3, (1u << 1) | (1u << 2), items, codes, names) != 0) {
        goto done;
    }
    Py_ssize_t count = buffers[0].view.len / 8;
    if (buffers[1].view.len / 4 != count || buffers[2].view.len / 8 != count ||
        cells_per_partition < 1 || PARTITIONS * cells_per_partition > CELL_MASK + 1) {
        PyErr_SetString(PyExc_ValueError, "arrays of mismatched lengths or too many cells");
        goto done;
    }
    const uint64_t *ids = buffers[0].view.buf;
    int32_t *packed = buffers[1].view.buf;
    uint64_t *checks = buffers[2].view.buf;
    uint64_t per = (uint64_t)cells_per_partition;
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t i = 0; i < count; i++) {
        uint64_t id = ids[i];
        uint32_t bits = 0;
        for (int p = 0; p < PARTITIONS; p++) {
            uint64_t cell = splitmix64(id ^ PARTITION_SALTS[p]) % per + (uint64_t)p * per;
            bits |= (uint32_t)cell << (CELL_BITS * p);
        }
        packed[i] = (int32_t)bits;
        checks[i] = splitmix64(id ^ CHECK_SALT);
    }
    Py_END_ALLOW_THREADS
    result = Py_None;
    Py_INCREF(result);
done:
    release_all(buffers, 3);
    return result;
}

/* cell_aggregates, unit_sets.py's CellUnits.aggregates: everything a magnitude table asks of
 * its (cell, unit, value) pairs, in two passes over them instead of a dozen (counts, record
 * key sums, both again over the pairs with a non-zero value, the signed sums, the fingerprint
 * of each cell's units and of its (unit, value) pairs, and cell_magnitudes's totals, largest
 * contributions, rest and value digests). Every float sum adds the pairs in their order, as
 * numpy's bincount and cell_magnitudes do, so each is equal to the last bit; a pair's key is
 * value_keys.pair_keys's and its fingerprint cells fingerprint.py's UnitHashes.of's. The
 * numpy twin is CellUnits.aggregates_numpy; a test holds the two equal. */
static PyObject *cell_aggregates(PyObject *self, PyObject *args) {
    enum { N = 19 };
    PyObject *objects[N];
    Buffer buffers[N] = {{0}};
    static const Py_ssize_t items[N] = {8, 8, 8, 2, 8, 4, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8};
    static const char *codes[N] = {"lq", "lq", "d", "h", "LQ", "i", "LQ", "lq", "lq", "lq", "lq",
                                   "d",  "d",  "d", "lq", "d", "LQ", "LQ", "LQ"};
    static const char *names[N] = {"cell",        "unit",       "values",  "record_keys",
                                   "set_ids",     "packed_slots", "checks", "counts",
                                   "key_sums",    "nonzero_counts", "nonzero_key_sums",
                                   "sums",        "totals",     "largest", "largest_at",
                                   "rest",        "digests",    "unit_table", "pair_table"};
    PyObject *result = NULL;
    if (!PyArg_ParseTuple(args, "OOOOOOOOOOOOOOOOOOO", &objects[0], &objects[1], &objects[2],
                          &objects[3], &objects[4], &objects[5], &objects[6], &objects[7],
                          &objects[8], &objects[9], &objects[10], &objects[11], &objects[12],
                          &objects[13], &objects[14], &objects[15], &objects[16], &objects[17],
                          &objects[18])) {
        return NULL;
    }
    if (take_all(objects, buffers, N, 0x7FF80u, items, codes, names) != 0) {
        goto done;
    }
    Py_ssize_t pairs = buffers[0].view.len / 8;
    Py_ssize_t units = buffers[4].view.len / 8;
    Py_ssize_t cells = buffers[7].view.len / 8;
    Py_ssize_t keep = cells ? buffers[13].view.len / 8 / cells : 0;
    Py_ssize_t per_set = (Py_ssize_t)PARTITIONS * 32;
    int mismatched = buffers[1].view.len / 8 != pairs || buffers[2].view.len / 8 != pairs ||
                     buffers[3].view.len / 2 != units || buffers[5].view.len / 4 != units ||
                     buffers[6].view.len / 8 != units || (cells && keep < 2) ||
                     (cells && buffers[13].view.len / 8 != keep * cells) ||
                     buffers[14].view.len != buffers[13].view.len || (!cells && pairs) ||
                     buffers[17].view.len / 24 != cells * per_set ||
                     buffers[18].view.len / 24 != cells * per_set;
    for (int i = 8; i < 17 && !mismatched; i++) {
        if (i != 13 && i != 14 && buffers[i].view.len / 8 != cells) {
            mismatched = 1;
        }
    }
    if (mismatched) {
        PyErr_SetString(PyExc_ValueError, "arrays of mismatched lengths");
        goto done;
    }
    const int64_t *cell = buffers[0].view.buf, *unit = buffers[1].view.buf;
    const double *values = buffers[2].view.buf;
    const int16_t *record_keys = buffers[3].view.buf;
    const uint64_t *set_ids = buffers[4].view.buf, *checks = buffers[6].view.buf;
    const int32_t *packed = buffers[5].view.buf;
    int64_t *counts = buffers[7].view.buf, *key_sums = buffers[8].view.buf;
    int64_t *nonzero_counts = buffers[9].view.buf, *nonzero_key_sums = buffers[10].view.buf;
    double *sums = buffers[11].view.buf, *totals = buffers[12].view.buf;
    double *largest = buffers[13].view.buf, *rest = buffers[15].view.buf;
    int64_t *largest_at = buffers[14].view.buf;
    uint64_t *digests = buffers[16].view.buf;
    uint64_t *unit_table = buffers[17].view.buf, *pair_table = buffers[18].view.buf;
    Py_ssize_t bad = -1;
    Py_BEGIN_ALLOW_THREADS
    memset(counts, 0, (size_t)cells * 8);
    memset(key_sums, 0, (size_t)cells * 8);
    memset(nonzero_counts, 0, (size_t)cells * 8);
    memset(nonzero_key_sums, 0, (size_t)cells * 8);
    memset(digests, 0, (size_t)cells * 8);
    memset(unit_table, 0, (size_t)(cells * per_set) * 24);
    memset(pair_table, 0, (size_t)(cells * per_set) * 24);
    for (Py_ssize_t c = 0; c < cells; c++) {
        sums[c] = 0.0;
        totals[c] = 0.0;
        rest[c] = 0.0;
        for (Py_ssize_t j = 0; j < keep; j++) {
            largest[j * cells + c] = 0.0;
            largest_at[j * cells + c] = -1;
        }
    }
    for (Py_ssize_t k = 0; k < pairs; k++) {
        int64_t c = cell[k], u = unit[k];
        if (c < 0 || c >= cells || u < 0 || u >= units) {
            bad = k;
            break;
        }
        double value = values[k];
        int64_t key = record_keys[u];
        counts[c] += 1;
        key_sums[c] += key;
        if (value != 0.0) {
            nonzero_counts[c] += 1;
            nonzero_key_sums[c] += key;
        }
        sums[c] += value;
        /* The cell's unit fingerprint: add_pairs's update. */
        uint64_t *base = unit_table + 3 * (c * per_set);
        uint32_t bits = (uint32_t)packed[u];
        uint64_t id = set_ids[u], check = checks[u];
        for (int p = 0; p < PARTITIONS; p++) {
            uint64_t *at = base + 3 * ((bits >> (CELL_BITS * p)) & CELL_MASK);
            at[0] += 1;
            at[1] ^= id;
            at[2] ^= check;
        }
        /* The pair's key (value_keys.pair_keys), the cell's value digest, and the pair
         * fingerprint with the key standing for a unit (unit_hashes's cells and check). */
        double canonical = value + 0.0; /* -0.0 is 0.0 */
        uint64_t value_bits;
        memcpy(&value_bits, &canonical, sizeof value_bits);
        uint64_t pair = splitmix64(id ^ splitmix64(value_bits ^ VALUE_SALT));
        digests[c] += pair;
        add_keyed_pair(pair_table + 3 * (c * per_set), pair);
        /* cell_magnitudes's list of the cell's `keep` largest, descending. */
        double magnitude = fabs(value);
        totals[c] += magnitude;
        keep_largest(largest, largest_at, cells, keep, c, magnitude, k);
    }
    if (bad < 0) {
        add_rest(rest, values, cell, pairs, largest_at, cells);
    }
    Py_END_ALLOW_THREADS
    result = none_unless_outside(bad, "pair %zd names a cell or unit outside the arrays");
done:
    release_all(buffers, N);
    return result;
}

/* row_pair_fingerprint, model_support.py's pair fingerprint of a model: per row its key
 * (row_pair_keys: its unit's set id and its outcome's bits mixed with its pattern's hash,
 * and with its cluster's hash when `clusters` has a hash per row) added to one fingerprint
 * as a unit's id is (unit_hashes's cells and check), in one pass (numpy needs seven
 * scrambles over every row and as many temporaries). The numpy twin is
 * fingerprint(row_pair_keys(...)); a test holds the two equal. */
#define CLUSTER_SALT 0x9FB21C651E98DF25ULL /* model_support._CLUSTER_SALT */

static PyObject *row_pair_fingerprint(PyObject *self, PyObject *args) {
    PyObject *objects[7];
    Buffer buffers[7] = {{0}};
    static const Py_ssize_t items[7] = {8, 8, 8, 8, 8, 8, 8};
    static const char *codes[7] = {"lq", "lq", "d", "LQ", "LQ", "LQ", "LQ"};
    static const char *names[7] = {"row_pattern", "unit",     "outcome", "set_ids",
                                   "pattern_hash", "clusters", "table"};
    PyObject *result = NULL;
    if (!PyArg_ParseTuple(args, "OOOOOOO", &objects[0], &objects[1], &objects[2], &objects[3],
                          &objects[4], &objects[5], &objects[6])) {
        return NULL;
    }
    if (take_all(objects, buffers, 7, 1u << 6, items, codes, names) != 0) {
        goto done;
    }
    Py_ssize_t count = buffers[0].view.len / 8;
    Py_ssize_t units = buffers[3].view.len / 8;
    Py_ssize_t patterns = buffers[4].view.len / 8;
    Py_ssize_t clustered = buffers[5].view.len / 8;
    if (buffers[1].view.len / 8 != count || buffers[2].view.len / 8 != count ||
        (clustered != 0 && clustered != count) ||
        buffers[6].view.len / 24 != (Py_ssize_t)PARTITIONS * 32) {
        PyErr_SetString(PyExc_ValueError, "arrays of mismatched lengths");
        goto done;
    }
    const int64_t *row_pattern = buffers[0].view.buf, *unit = buffers[1].view.buf;
    const double *outcome = buffers[2].view.buf;
    const uint64_t *set_ids = buffers[3].view.buf, *pattern_hash = buffers[4].view.buf;
    const uint64_t *clusters = buffers[5].view.buf;
    uint64_t *table = buffers[6].view.buf;
    Py_ssize_t bad = -1;
    Py_BEGIN_ALLOW_THREADS
    memset(table, 0, (size_t)PARTITIONS * 32 * 24);
    for (Py_ssize_t k = 0; k < count; k++) {
        int64_t g = row_pattern[k], u = unit[k];
        if (g < 0 || g >= patterns || u < 0 || u >= units) {
            bad = k;
            break;
        }
        double y = outcome[k] + 0.0; /* -0.0 is 0.0 */
        uint64_t bits;
        memcpy(&bits, &y, sizeof bits);
        uint64_t row_bits = splitmix64(bits ^ pattern_hash[g]);
        if (clustered) {
            row_bits = splitmix64(row_bits ^ splitmix64(clusters[k] ^ CLUSTER_SALT));
        }
        add_keyed_pair(table, splitmix64(set_ids[u] ^ splitmix64(row_bits ^ VALUE_SALT)));
    }
    Py_END_ALLOW_THREADS
    result = none_unless_outside(bad, "row %zd names a pattern or unit outside the arrays");
done:
    release_all(buffers, 7);
    return result;
}

/* row_pair_fingerprints: row_pair_fingerprint for several pattern hashes at once (a model's
 * terms: model_support.row_pair_fingerprints), in one pass over the rows: each row's unit,
 * outcome and cluster are read and hashed once, then each set's key made and added to its
 * own fingerprint as row_pair_fingerprint adds it. `pattern_hash` is (patterns, sets),
 * row-major; `clustered[j]` non-zero: set j's keys take the row's cluster. The twin is
 * row_pair_fingerprint per set; a test holds the two equal. */
static PyObject *row_pair_fingerprints(PyObject *self, PyObject *args) {
    PyObject *objects[8];
    Buffer buffers[8] = {{0}};
    static const Py_ssize_t items[8] = {8, 8, 8, 8, 8, 8, 8, 8};
    static const char *codes[8] = {"lq", "lq", "d", "LQ", "LQ", "LQ", "LQ", "LQ"};
    static const char *names[8] = {"row_pattern",  "unit",     "outcome",   "set_ids",
                                   "pattern_hash", "clusters", "clustered", "tables"};
    PyObject *result = NULL;
    if (!PyArg_ParseTuple(args, "OOOOOOOO", &objects[0], &objects[1], &objects[2], &objects[3],
                          &objects[4], &objects[5], &objects[6], &objects[7])) {
        return NULL;
    }
    if (take_all(objects, buffers, 8, 1u << 7, items, codes, names) != 0) {
        goto done;
    }
    Py_ssize_t count = buffers[0].view.len / 8;
    Py_ssize_t units = buffers[3].view.len / 8;
    Py_ssize_t sets = buffers[6].view.len / 8;
    Py_ssize_t clustered_rows = buffers[5].view.len / 8;
    Py_ssize_t patterns = sets > 0 ? buffers[4].view.len / 8 / sets : 0;
    if (buffers[1].view.len / 8 != count || buffers[2].view.len / 8 != count ||
        (clustered_rows != 0 && clustered_rows != count) ||
        buffers[4].view.len / 8 != patterns * sets ||
        buffers[7].view.len / 24 != (Py_ssize_t)PARTITIONS * 32 * sets) {
        PyErr_SetString(PyExc_ValueError, "arrays of mismatched lengths");
        goto done;
    }
    const int64_t *row_pattern = buffers[0].view.buf, *unit = buffers[1].view.buf;
    const double *outcome = buffers[2].view.buf;
    const uint64_t *set_ids = buffers[3].view.buf, *pattern_hash = buffers[4].view.buf;
    const uint64_t *clusters = buffers[5].view.buf, *clustered = buffers[6].view.buf;
    uint64_t *tables = buffers[7].view.buf;
    Py_ssize_t bad = -1;
    Py_BEGIN_ALLOW_THREADS
    memset(tables, 0, (size_t)sets * PARTITIONS * 32 * 24);
    for (Py_ssize_t k = 0; k < count; k++) {
        int64_t g = row_pattern[k], u = unit[k];
        if (g < 0 || g >= patterns || u < 0 || u >= units) {
            bad = k;
            break;
        }
        double y = outcome[k] + 0.0; /* -0.0 is 0.0 */
        uint64_t bits;
        memcpy(&bits, &y, sizeof bits);
        uint64_t id = set_ids[u];
        uint64_t cluster = clustered_rows ? splitmix64(clusters[k] ^ CLUSTER_SALT) : 0;
        const uint64_t *hashes = pattern_hash + g * sets;
        for (Py_ssize_t j = 0; j < sets; j++) {
            uint64_t row_bits = splitmix64(bits ^ hashes[j]);
            if (clustered_rows && clustered[j]) {
                row_bits = splitmix64(row_bits ^ cluster);
            }
            add_keyed_pair(tables + (size_t)j * PARTITIONS * 32 * 3,
                           splitmix64(id ^ splitmix64(row_bits ^ VALUE_SALT)));
        }
    }
    Py_END_ALLOW_THREADS
    result = none_unless_outside(bad, "row %zd names a pattern or unit outside the arrays");
done:
    release_all(buffers, 8);
    return result;
}

/* fingerprint.py's `_peel` on one difference table, in place (see peel_difference). */
#define PEEL_CELLS (PARTITIONS * 32)
static long peel(int64_t *counts, uint64_t *ids, uint64_t *checks, uint64_t *elements,
                 Py_ssize_t below) {
    long found = 0;
    int progress = 1;
    while (progress) {
        progress = 0;
        for (int c = 0; c < PEEL_CELLS; c++) {
            int64_t sign = counts[c];
            if (sign != 1 && sign != -1) {
                continue;
            }
            uint64_t element = ids[c];
            uint64_t check = splitmix64(element ^ CHECK_SALT);
            if (check != checks[c]) {
                continue; /* several ids whose counts cancel to ±1: not pure */
            }
            for (int p = 0; p < PARTITIONS; p++) {
                int slot = (int)(splitmix64(element ^ PARTITION_SALTS[p]) % 32) + p * 32;
                counts[slot] -= sign;
                ids[slot] ^= element;
                checks[slot] ^= check;
            }
            if (found == PEEL_CELLS) {
                /* Each id peeled empties its pure cell for good, so a true difference has at
                 * most 128; more takes a check hash matched by chance (2^-64): stuck. */
                return -1;
            }
            elements[found++] = element;
            if (found == below) {
                return -2;
            }
            progress = 1;
        }
    }
    for (int c = 0; c < PEEL_CELLS; c++) {
        if (counts[c] != 0 || ids[c] != 0 || checks[c] != 0) {
            return -1;
        }
    }
    return found;
}

/* peel_difference, fingerprint.py's `difference` (and `_peel`): the difference of two set
 * fingerprints (released − new: counts subtracted, xors xor-ed) peeled one pure cell at a
 * time, in the same order as fingerprint.py's `_peel` (cells 0…127 swept again while a sweep
 * peels anything), so the ids come out in the same order. The differencing guard peels
 * the difference of a new set from every near registered one (250,000 in one red-team
 * test), where Python ints cost ~0.1 ms each. Returns the number of ids peeled (written to
 * `elements`, 128 places: a pure cell holds one id, so at most one id per cell), or
 * −3 when the two differ in more than `most_touched` cells (nothing peeled), −2 as soon as
 * `below` ids are peeled (below ≤ 0: no limit), −1 when the peeling gets stuck. */
static PyObject *peel_difference(PyObject *self, PyObject *args) {
    PyObject *objects[7];
    Buffer buffers[7] = {{0}};
    static const Py_ssize_t items[7] = {8, 8, 8, 8, 8, 8, 8};
    static const char *codes[7] = {"lq", "LQ", "LQ", "lq", "LQ", "LQ", "LQ"};
    static const char *names[7] = {"released_counts", "released_id_xor", "released_check_xor",
                                   "new_counts",      "new_id_xor",      "new_check_xor",
                                   "elements"};
    Py_ssize_t most_touched, below;
    PyObject *result = NULL;
    if (!PyArg_ParseTuple(args, "OOOOOOnnO", &objects[0], &objects[1], &objects[2],
                          &objects[3], &objects[4], &objects[5], &most_touched, &below,
                          &objects[6])) {
        return NULL;
    }
    if (take_all(objects, buffers, 7, 1u << 6, items, codes, names) != 0) {
        goto done;
    }
    for (int i = 0; i < 7; i++) {
        if (buffers[i].view.len != 8 * PEEL_CELLS) {
            PyErr_SetString(PyExc_ValueError, "a fingerprint has 128 cells");
            goto done;
        }
    }
    const int64_t *released_counts = buffers[0].view.buf;
    const uint64_t *released_ids = buffers[1].view.buf;
    const uint64_t *released_checks = buffers[2].view.buf;
    const int64_t *new_counts = buffers[3].view.buf;
    const uint64_t *new_ids = buffers[4].view.buf;
    const uint64_t *new_checks = buffers[5].view.buf;
    uint64_t *elements = buffers[6].view.buf;
    int64_t counts[PEEL_CELLS];
    uint64_t ids[PEEL_CELLS], checks[PEEL_CELLS];
    Py_ssize_t touched = 0;
    for (int c = 0; c < PEEL_CELLS; c++) {
        counts[c] = released_counts[c] - new_counts[c];
        ids[c] = released_ids[c] ^ new_ids[c];
        checks[c] = released_checks[c] ^ new_checks[c];
        touched += (counts[c] != 0) | (ids[c] != 0) | (checks[c] != 0);
    }
    long found = touched > most_touched ? -3 : peel(counts, ids, checks, elements, below);
    result = PyLong_FromLong(found);
done:
    release_all(buffers, 7);
    return result;
}

/* fingerprint.py's _WEIGHT_SALT. */
static const uint64_t WEIGHT_SALT = 0x5851F42D4C957F2DULL;

/* weight_tops, fingerprint.py's `difference_weight`: each id of a difference mixed with the
 * weight salt, its top 53 bits as a double (exact), written to `tops`; the caller sums them
 * with numpy's add.reduce, as the Python version does, so the weight is the same to the bit.
 * The guard weighs every difference it peels (230,000 in one red-team test), where the
 * Python-int mixing cost ~7 us each. */
static PyObject *weight_tops(PyObject *self, PyObject *args) {
    PyObject *objects[2];
    Buffer buffers[2] = {{0}};
    static const Py_ssize_t items[2] = {8, 8};
    static const char *codes[2] = {"LQ", "d"};
    static const char *names[2] = {"elements", "tops"};
    PyObject *result = NULL;
    if (!PyArg_ParseTuple(args, "OO", &objects[0], &objects[1])) {
        return NULL;
    }
    if (take_all(objects, buffers, 2, 1u << 1, items, codes, names) != 0) {
        goto done;
    }
    Py_ssize_t count = buffers[0].view.len / 8;
    if (buffers[1].view.len / 8 != count) {
        PyErr_SetString(PyExc_ValueError, "arrays of mismatched lengths");
        goto done;
    }
    const uint64_t *elements = buffers[0].view.buf;
    double *tops = buffers[1].view.buf;
    for (Py_ssize_t i = 0; i < count; i++) {
        tops[i] = (double)(splitmix64(elements[i] ^ WEIGHT_SALT) >> 11);
    }
    result = Py_None;
    Py_INCREF(result);
done:
    release_all(buffers, 2);
    return result;
}

/* merge_fingerprints, fingerprint.py's FingerprintTable.merged: set i's cells added to (counts)
 * and xor-ed into (ids, checks) those of set target[i], one pass over the sets (numpy's
 * ufunc.at, three of them, 42 ms for the 19,881 cells of a 141 x 141 table's margins).
 * Integers and xors do not depend on the order: the result is ufunc.at's. The outputs
 * are zeroed by the caller. */
static PyObject *merge_fingerprints(PyObject *self, PyObject *args) {
    PyObject *objects[7];
    Buffer buffers[7] = {{0}};
    static const Py_ssize_t items[7] = {8, 8, 8, 8, 8, 8, 8};
    static const char *codes[7] = {"lq", "lq", "LQ", "LQ", "lq", "LQ", "LQ"};
    static const char *names[7] = {"target", "counts", "id_xor", "check_xor",
                                   "out_counts", "out_id_xor", "out_check_xor"};
    PyObject *result = NULL;
    if (!PyArg_ParseTuple(args, "OOOOOOO", &objects[0], &objects[1], &objects[2], &objects[3],
                          &objects[4], &objects[5], &objects[6])) {
        return NULL;
    }
    if (take_all(objects, buffers, 7, (1u << 4) | (1u << 5) | (1u << 6), items, codes, names) !=
        0) {
        goto done;
    }
    Py_ssize_t sets = buffers[0].view.len / 8;
    Py_ssize_t targets = buffers[4].view.len / (8 * PEEL_CELLS);
    if (buffers[1].view.len != sets * 8 * PEEL_CELLS ||
        buffers[2].view.len != sets * 8 * PEEL_CELLS ||
        buffers[3].view.len != sets * 8 * PEEL_CELLS ||
        buffers[4].view.len != targets * 8 * PEEL_CELLS ||
        buffers[5].view.len != targets * 8 * PEEL_CELLS ||
        buffers[6].view.len != targets * 8 * PEEL_CELLS) {
        PyErr_SetString(PyExc_ValueError, "arrays of mismatched lengths");
        goto done;
    }
    const int64_t *target = buffers[0].view.buf;
    const int64_t *counts = buffers[1].view.buf;
    const uint64_t *ids = buffers[2].view.buf;
    const uint64_t *checks = buffers[3].view.buf;
    int64_t *out_counts = buffers[4].view.buf;
    uint64_t *out_ids = buffers[5].view.buf;
    uint64_t *out_checks = buffers[6].view.buf;
    Py_ssize_t bad = -1;
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t i = 0; i < sets; i++) {
        int64_t t = target[i];
        if (t < 0 || t >= targets) {
            bad = i;
            break;
        }
        const Py_ssize_t from = i * PEEL_CELLS, to = (Py_ssize_t)t * PEEL_CELLS;
        for (int c = 0; c < PEEL_CELLS; c++) {
            out_counts[to + c] += counts[from + c];
            out_ids[to + c] ^= ids[from + c];
            out_checks[to + c] ^= checks[from + c];
        }
    }
    Py_END_ALLOW_THREADS
    result = none_unless_outside(bad, "set %zd is sent outside the merged table");
done:
    release_all(buffers, 7);
    return result;
}

/* segment_modes, model_support.py's _cell_modes: per segment [bounds[c], bounds[c + 1]) of
 * keys sorted within each segment, its most common key (the first of the longest runs: the
 * smallest among ties; 0 in an empty segment) and how many keys are not at it, in one pass
 * (numpy needs the runs' starts, lengths and maxima as arrays as long as the keys). */
static PyObject *segment_modes(PyObject *self, PyObject *args) {
    PyObject *objects[4];
    Buffer buffers[4] = {{0}};
    static const Py_ssize_t items[4] = {8, 8, 8, 8};
    static const char *codes[4] = {"LQ", "lq", "LQ", "lq"};
    static const char *names[4] = {"keys", "bounds", "modes", "off"};
    PyObject *result = NULL;
    if (!PyArg_ParseTuple(args, "OOOO", &objects[0], &objects[1], &objects[2], &objects[3])) {
        return NULL;
    }
    if (take_all(objects, buffers, 4, (1u << 2) | (1u << 3), items, codes, names) != 0) {
        goto done;
    }
    Py_ssize_t count = buffers[0].view.len / 8;
    Py_ssize_t cells = buffers[2].view.len / 8;
    if (buffers[1].view.len / 8 != cells + 1 || buffers[3].view.len / 8 != cells) {
        PyErr_SetString(PyExc_ValueError, "bounds: one more than modes and off");
        goto done;
    }
    const uint64_t *keys = buffers[0].view.buf;
    const int64_t *bounds = buffers[1].view.buf;
    uint64_t *modes = buffers[2].view.buf;
    int64_t *off = buffers[3].view.buf;
    for (Py_ssize_t c = 0; c < cells; c++) {
        if (bounds[c] < 0 || bounds[c] > bounds[c + 1] || bounds[c + 1] > count) {
            PyErr_SetString(PyExc_ValueError, "bounds: not increasing within the keys");
            goto done;
        }
    }
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t c = 0; c < cells; c++) {
        int64_t start = bounds[c], end = bounds[c + 1];
        uint64_t mode = 0;
        int64_t longest = 0;
        for (int64_t i = start; i < end;) {
            int64_t j = i + 1;
            while (j < end && keys[j] == keys[i]) {
                j++;
            }
            if (j - i > longest) {
                longest = j - i;
                mode = keys[i];
            }
            i = j;
        }
        modes[c] = mode;
        off[c] = (end - start) - longest;
    }
    Py_END_ALLOW_THREADS
    result = Py_None;
    Py_INCREF(result);
done:
    release_all(buffers, 4);
    return result;
}

static PyMethodDef methods[] = {
    {"add_pairs", add_pairs, METH_VARARGS,
     "add_pairs(cell, unit, set_ids, packed_slots, checks, table, cells_per_set): adds each "
     "pair's unit to its set's cells of table (uint64, (cells, 3): count, id xor, check xor), "
     "in place."},
    {"all_distinct", all_distinct, METH_VARARGS,
     "all_distinct(ids, most_bits) -> True if no int64 id repeats, False if one does, None "
     "if their range spans most_bits or more (then sort instead)."},
    {"cell_magnitudes", cell_magnitudes, METH_VARARGS,
     "cell_magnitudes(cell, values, unit, set_ids, totals, largest, largest_at, rest, digests): "
     "per cell (int64 cell and unit of each pair, float64 values, uint64 set ids by unit) the "
     "absolute total, the largest (keep, cells) in descending order, the total without the "
     "two largest and the value digest (uint64); outputs filled in place."},
    {"segment_modes", segment_modes, METH_VARARGS,
     "segment_modes(keys, bounds, modes, off): per segment of the uint64 keys (sorted within "
     "each; bounds: int64, one more than the segments) its most common key (the smallest "
     "among ties) into modes and how many keys are not at it into off; one pass."},
    {"majority", majority, METH_VARARGS,
     "majority(values) -> the value held by more than half the float64 values if there is "
     "one (else some value of them); one pass."},
    {"unit_hashes", unit_hashes, METH_VARARGS,
     "unit_hashes(set_ids, packed_slots, checks, cells_per_partition): fills the two outputs."},
    {"cell_aggregates", cell_aggregates, METH_VARARGS,
     "cell_aggregates(cell, unit, values, record_keys, set_ids, packed_slots, checks, counts, "
     "key_sums, nonzero_counts, nonzero_key_sums, sums, totals, largest, largest_at, rest, "
     "digests, unit_table, pair_table): per cell of the (cell, unit, value) pairs everything "
     "a magnitude table needs (int16 record keys; outputs filled in place)."},
    {"row_pair_fingerprint", row_pair_fingerprint, METH_VARARGS,
     "row_pair_fingerprint(row_pattern, unit, outcome, set_ids, pattern_hash, clusters, "
     "table): the fingerprint (uint64 (128, 3): count, id xor, check xor; filled in place) of "
     "the rows' (unit, outcome, pattern[, cluster]) keys; clusters empty or one per row."},
    {"row_pair_fingerprints", row_pair_fingerprints, METH_VARARGS,
     "row_pair_fingerprints(row_pattern, unit, outcome, set_ids, pattern_hash, clusters, "
     "clustered, tables): row_pair_fingerprint for each column of pattern_hash (uint64 "
     "(patterns, sets)) in one pass; tables uint64 (sets, 128, 3), filled in place; set j "
     "takes the rows' clusters where clustered[j] is non-zero."},
    {"peel_difference", peel_difference, METH_VARARGS,
     "peel_difference(released_counts, released_id_xor, released_check_xor, new_counts, "
     "new_id_xor, new_check_xor, most_touched, below, elements) -> the number of ids of the "
     "difference peeled into elements (uint64, 128), or -3 (more than most_touched cells "
     "differ), -2 (below ids peeled; below <= 0: no limit), -1 (stuck)."},
    {"weight_tops", weight_tops, METH_VARARGS,
     "weight_tops(elements, tops): the top 53 bits of each uint64 id mixed with the weight "
     "salt, as float64, into tops (filled in place)."},
    {"merge_fingerprints", merge_fingerprints, METH_VARARGS,
     "merge_fingerprints(target, counts, id_xor, check_xor, out_counts, out_id_xor, "
     "out_check_xor): set i's 128 cells (int64 counts added, uint64 xors xor-ed) into those "
     "of set target[i] of the zeroed outputs, in place."},
    {"model_rows", model_rows, METH_VARARGS,
     "model_rows(row_pattern, unit, outcome, set_ids, record_keys, pattern_hash, rows, keys, "
     "inside_value) -> (digest, inside, inside_keys): per pattern its rows and record key "
     "sum (filled in place), the rows whose outcome equals inside_value, and the value "
     "digest of (unit, outcome, pattern) over the rows (int16 record keys)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_loops", NULL, -1, methods};

PyMODINIT_FUNC PyInit__loops(void) { return PyModule_Create(&module); }
