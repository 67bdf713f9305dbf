/* Finding units' positions in the key store (keys.py), compiled.
 *
 * A workspace's rows mostly follow the store's order (both follow the released files), so
 * the position of a row's unit is usually the previous row's position plus one: that guess
 * is tried first, with a few neighbours, and costs one comparison. Any other unit is looked
 * up in a part's bucket index: bucket b = the top `bits` bits of splitmix64(pseudonym) holds
 * the part's positions members[starts[b] .. starts[b+1]), about one per bucket. A linear
 * pass without the GIL, instead of a hash join of every row against the whole store.
 * keys.py keeps a numpy version (sorting), and a test holds the two equal. */
#include "_buffers.h"
#include <stdint.h>
#include <string.h>


/* Offsets from the previous row's position tried before the index: the next unit, the
 * same unit again (several rows per unit), and a few units skipped. */
static const int64_t GUESSES[] = {1, 0, 2, 3, 4};

static PyObject *locate(PyObject *self, PyObject *args) {
    PyObject *objects[5];
    Buffer buffers[5] = {{0}};
    static const Py_ssize_t items[5] = {8, 8, 4, 4, 4};
    static const char *codes[5] = {"lq", "lq", "i", "i", "i"};
    static const char *names[5] = {"queries", "pseudonyms", "starts", "members", "out"};
    Py_ssize_t offset, bits;
    PyObject *result = NULL;
    if (!PyArg_ParseTuple(args, "OOOOnnO", &objects[0], &objects[1], &objects[2], &objects[3],
                          &offset, &bits, &objects[4])) {
        return NULL;
    }
    if (take_all(objects, buffers, 5, 1u << 4, items, codes, names) != 0) {
        goto done;
    }
    Py_ssize_t count = buffers[0].view.len / 8;
    int64_t units = (int64_t)(buffers[1].view.len / 8);
    Py_ssize_t buckets = buffers[2].view.len / 4 - 1;
    int64_t members_count = (int64_t)(buffers[3].view.len / 4);
    if (buffers[4].view.len / 4 != count || bits < 0 || bits > 32 || buckets != ((Py_ssize_t)1 << bits)
        || offset < 0) {
        PyErr_SetString(PyExc_ValueError, "arrays of mismatched lengths");
        goto done;
    }
    const int64_t *queries = buffers[0].view.buf;
    const int64_t *pseudonyms = buffers[1].view.buf;
    const int32_t *starts = buffers[2].view.buf;
    const int32_t *members = buffers[3].view.buf;
    int32_t *out = buffers[4].view.buf;
    Py_ssize_t missing = 0, bad = -1;
    int shift = 64 - (int)bits;
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t i = 0; i < count; i++) {
        if (out[i] >= 0) {
            continue; /* found in an earlier part */
        }
        int64_t query = queries[i];
        if (i > 0 && out[i - 1] >= 0) {
            int64_t previous = out[i - 1];
            int found = 0;
            for (size_t g = 0; g < sizeof(GUESSES) / sizeof(GUESSES[0]); g++) {
                int64_t at = previous + GUESSES[g];
                if (at < units && pseudonyms[at] == query) {
                    out[i] = (int32_t)at;
                    found = 1;
                    break;
                }
            }
            if (found) {
                continue;
            }
        }
        uint64_t bucket = bits ? splitmix64((uint64_t)query) >> shift : 0;
        int64_t first = starts[bucket], last = starts[bucket + 1];
        if (first < 0 || last > members_count || first > last) {
            bad = i;
            break;
        }
        for (int64_t k = first; k < last; k++) {
            int64_t at = offset + (int64_t)members[k];
            if (members[k] < 0 || at >= units) {
                bad = i;
                break;
            }
            if (pseudonyms[at] == query) {
                out[i] = (int32_t)at;
                break;
            }
        }
        if (bad >= 0) {
            break;
        }
        missing += out[i] < 0;
    }
    Py_END_ALLOW_THREADS
    if (bad >= 0) {
        PyErr_Format(PyExc_IndexError, "the index points outside the store (query %zd)", bad);
        goto done;
    }
    result = PyLong_FromSsize_t(missing);
done:
    release_all(buffers, 5);
    return result;
}

static PyMethodDef methods[] = {
    {"locate", locate, METH_VARARGS,
     "locate(queries, pseudonyms, starts, members, offset, bits, out) -> missing: for each "
     "query whose out is still -1, its position in pseudonyms (int32, in place), by guessing "
     "from the previous row or from one part's bucket index; returns how many are still -1."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_locate", NULL, -1, methods};

PyMODINIT_FUNC PyInit__locate(void) { return PyModule_Create(&module); }
