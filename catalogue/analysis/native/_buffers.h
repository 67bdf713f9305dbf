/* Taking numpy arrays in the C extensions (_locate.c, _loops.c): through the
 * buffer protocol, refusing an array of another item type or layout rather than misreading
 * it, and releasing what was taken. */
#ifndef REGCAT_BUFFERS_H
#define REGCAT_BUFFERS_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

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

/* Each of `count` arrays described by items/codes/names, the `writable` ones (a bit per
 * array) writable; on a refusal the error is set and what was taken stays to release. */
static int take_all(PyObject **objects, Buffer *buffers, int count, unsigned writable,
                    const Py_ssize_t *items, const char **codes, const char **names) {
    for (int i = 0; i < count; i++) {
        if (take(objects[i], &buffers[i], (writable >> i) & 1, items[i], codes[i], names[i]) != 0) {
            return -1;
        }
    }
    return 0;
}

/* splitmix64's finaliser: a fast bijective scramble of 64-bit values, as
 * output_control/fingerprint.py's splitmix64 (and so value_keys.py) computes it. */
static inline uint64_t splitmix64(uint64_t z) {
    z ^= z >> 30;
    z *= 0xBF58476D1CE4E5B9ULL;
    z ^= z >> 27;
    z *= 0x94D049BB133111EBULL;
    z ^= z >> 31;
    return z;
}

static void release_all(Buffer *buffers, int count) {
    for (int i = 0; i < count; i++) {
        if (buffers[i].held) {
            PyBuffer_Release(&buffers[i].view);
        }
    }
}

/* None, or (the GIL held) the IndexError saying which item `bad` lay outside the arrays. */
static PyObject *none_unless_outside(Py_ssize_t bad, const char *format) {
    if (bad >= 0) {
        return PyErr_Format(PyExc_IndexError, format, bad);
    }
    Py_RETURN_NONE;
}

#endif
