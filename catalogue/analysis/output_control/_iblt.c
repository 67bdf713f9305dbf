/* The inner loop of fingerprint.py's fingerprint_table, compiled: every (set, unit) pair
 * adds its unit to 4 cells of its set's IBLT (count + 1, id and check hash xor-ed in).
 * numpy can only do this with ufunc.at, one pass per partition and array, about 20 times
 * slower; this is one pass over the pairs, without the GIL. A cell's count and two xors sit
 * side by side in `table` (3 words per cell), so an update touches one cache line, not three.
 * fingerprint.py keeps the numpy version, and a test holds the two equal. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#define PARTITIONS 4
#define CELL_BITS 7
#define CELL_MASK 127

typedef struct {
    Py_buffer view;
    int held;
} Buffer;

/* A C-contiguous buffer of items of `size` bytes whose type code is one of `codes` (after
 * any byte-order mark): an array of another type is refused, never misread. */
static int take(PyObject *object, Buffer *buffer, int writable, Py_ssize_t size,
                const char *codes, const char *name) {
    int flags = PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | (writable ? PyBUF_WRITABLE : 0);
    if (PyObject_GetBuffer(object, &buffer->view, flags) != 0) {
        return -1;
    }
    buffer->held = 1;
    const char *format = buffer->view.format ? buffer->view.format : "B";
    if (*format == '@' || *format == '=' || *format == '<') {
        format++;
    }
    if (buffer->view.itemsize != size || format[0] == '\0' || format[1] != '\0' ||
        strchr(codes, format[0]) == NULL) {
        PyErr_Format(PyExc_TypeError, "%s: expected items of %zd bytes of type %s, got '%s'",
                     name, size, codes, buffer->view.format ? buffer->view.format : "B");
        return -1;
    }
    return 0;
}

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
    for (int i = 0; i < 6; i++) {
        if (take(objects[i], &buffers[i], i == 5, items[i], codes[i], names[i]) != 0) {
            goto done;
        }
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
    if (bad >= 0) {
        PyErr_Format(PyExc_IndexError, "pair %zd names a unit or set outside the arrays", bad);
        goto done;
    }
    result = Py_None;
    Py_INCREF(result);
done:
    for (int i = 0; i < 6; i++) {
        if (buffers[i].held) {
            PyBuffer_Release(&buffers[i].view);
        }
    }
    return result;
}

static PyMethodDef methods[] = {
    {"add_pairs", add_pairs, METH_VARARGS,
     "add_pairs(cell, unit, set_ids, packed_slots, checks, table, cells_per_set): adds each "
     "pair's unit to its set's cells of table (uint64, (cells, 3): count, id xor, check xor), "
     "in place."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_iblt", NULL, -1, methods};

PyMODINIT_FUNC PyInit__iblt(void) { return PyModule_Create(&module); }
