/* The record reader of the vectorised smaps path in one pass of C (optional accelerator).
 *
 * analyzer/ingest/formats/smaps/fastlayout.py's parse_records checks and reads a slice's records
 * with numpy, some twenty passes over the bytes; records() below does the same checks in one pass
 * over each record and writes the same values into arrays the caller allocated.
 *
 * It is only ever allowed to be stricter than the numpy reader: whenever a record is anything but
 * the plainest kernel layout (a value wider than the first record's, a header field out of the
 * place the numpy reader looks, ...) it returns that record's index and the caller reads the whole
 * slice with numpy instead, which then reads it or names what is wrong. So what this file accepts
 * is read exactly as numpy reads it (tests/test_fastc.py compares both on every fixture and on
 * mutated records), and what it declines costs only speed. UTF-8 of paths and VmFlags, control
 * characters and everything across records stay with the Python side.
 *
 * records(seg, starts, ends, nrec, nlines, expected, varying, lengths, digit_ends, widths, mult,
 *         vmflags, values, start, end, offset, inode, perms, dev, dev_len, path_a, path_b,
 *         has_path, deleted, vm_a, vm_b, wide) -> -1 (all read) or the first record declined;
 * wide[r]: record r's field lines are not the template's lengths (a value wider than the first
 * record's): its header and VmFlags are read, its values are the caller's to read
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#define HEAD_WINDOW 96 /* fastcols.HEAD_WINDOW: where the numpy reader looks for the header's fields */
#define DEV_MAX 16

static int hexval(unsigned char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* hex digits seg[*p...] up to the byte *stop* (1 to 16 of them) -> *out; 0 if not so */
static int read_hex(const unsigned char *s, Py_ssize_t *p, Py_ssize_t lim, unsigned char stop, uint64_t *out)
{
    Py_ssize_t i = *p;
    uint64_t v = 0;
    int n = 0;
    while (i < lim && s[i] != stop) {
        int d = hexval(s[i]);
        if (d < 0 || ++n > 16) return 0;
        v = (v << 4) | (uint64_t)d;
        i++;
    }
    if (n == 0 || i >= lim) return 0;
    *p = i;
    *out = v;
    return 1;
}

static int is_perm(unsigned char c)
{
    return c == '-' || c == 'r' || c == 'w' || c == 'x' || c == 's' || c == 'p';
}

/* One header line seg[a:b]; 0 if declined. */
static int header(const unsigned char *s, Py_ssize_t a, Py_ssize_t b, Py_ssize_t r, uint64_t *start,
                  uint64_t *end, uint64_t *offset, uint64_t *inode, unsigned char *perms, unsigned char *dev,
                  int64_t *dev_len, int64_t *path_a, int64_t *path_b, unsigned char *has_path,
                  unsigned char *deleted)
{
    Py_ssize_t p = a, q;
    int n;
    if (!read_hex(s, &p, b, '-', &start[r]) || p - a > 16) return 0;
    p++;
    if (!read_hex(s, &p, b, ' ', &end[r])) return 0;
    p++;
    if (b - p < 5 || s[p + 4] != ' ') return 0;
    for (n = 0; n < 4; n++) {
        if (!is_perm(s[p + n])) return 0;
        perms[4 * r + n] = s[p + n];
    }
    p += 5;
    if (!read_hex(s, &p, b, ' ', &offset[r])) return 0;
    p++;
    /* dev: hex:hex, lowercased */
    q = p;
    n = 0;
    {
        int colon = -1, len = 0;
        while (q < b && s[q] != ' ') {
            unsigned char c = s[q];
            if (len >= DEV_MAX) return 0;
            if (c == ':') {
                if (colon >= 0) return 0;
                colon = len;
            } else if (hexval(c) < 0) {
                return 0;
            }
            dev[DEV_MAX * r + len] = (c >= 'A' && c <= 'F') ? (unsigned char)(c + 32) : c;
            len++;
            q++;
        }
        if (q >= b || len < 3 || colon <= 0 || colon == len - 1) return 0;
        dev_len[r] = len;
    }
    p = q + 1;
    /* inode: 1 to 19 decimal digits, then the line's end or spaces */
    {
        uint64_t v = 0;
        q = p;
        while (q < b && s[q] >= '0' && s[q] <= '9') {
            if (q - p >= 19) return 0;
            v = v * 10 + (uint64_t)(s[q] - '0');
            q++;
        }
        if (q == p || q - a > HEAD_WINDOW - 1) return 0;
        if (q < b && s[q] != ' ') return 0;
        inode[r] = v;
    }
    while (q < b && s[q] == ' ') q++;
    if (q == b) { /* nothing after the inode but spaces (or nothing): no path */
        if (b - a > HEAD_WINDOW) return 0;
        has_path[r] = 0;
        deleted[r] = 0;
        path_a[r] = path_b[r] = b;
        return 1;
    }
    if (q - a > HEAD_WINDOW - 1) return 0; /* the name starts past the window the numpy reader reads */
    has_path[r] = 1;
    path_a[r] = q;
    if (b - q > 10 && memcmp(s + b - 10, " (deleted)", 10) == 0) {
        deleted[r] = 1;
        path_b[r] = b - 10;
    } else {
        deleted[r] = 0;
        path_b[r] = b;
    }
    return 1;
}

/* The VmFlags line seg[a:b]: the flags between up to 7 spaces on either side; 0 if declined. */
static int vmflags_line(const unsigned char *s, Py_ssize_t a, Py_ssize_t b, int64_t *vm_a, int64_t *vm_b)
{
    Py_ssize_t x, y;
    int k;
    if (b - a < 8 || memcmp(s + a, "VmFlags:", 8) != 0) return 0;
    x = a + 8;
    for (k = 0; x < b && s[x] == ' '; k++, x++)
        if (k >= 7) return 0;
    y = b;
    for (k = 0; y > x && s[y - 1] == ' '; k++, y--)
        if (k >= 7) return 0;
    if (y > x && s[y - 1] >= 0x80) return 0;
    *vm_a = x;
    *vm_b = y;
    return 1;
}

typedef struct {
    Py_buffer b;
    int held;
} buf_t;

static int get(PyObject *o, buf_t *out, int writable, Py_ssize_t need, const char *what)
{
    if (PyObject_GetBuffer(o, &out->b, writable ? (PyBUF_WRITABLE | PyBUF_C_CONTIGUOUS) : PyBUF_C_CONTIGUOUS) < 0)
        return 0;
    out->held = 1;
    if (out->b.len < need) {
        PyErr_Format(PyExc_ValueError, "_fastc.records: %s has %zd bytes, needs %zd", what, out->b.len, need);
        return 0;
    }
    return 1;
}

enum { SEG, STARTS, ENDS, EXPECTED, VARYING, LENGTHS, DIGIT_ENDS, WIDTHS, MULT, VALUES, START, END, OFFSET,
       INODE, PERMS, DEV, DEV_LEN, PATH_A, PATH_B, HAS_PATH, DELETED, VM_A, VM_B, WIDE, NBUF };

static PyObject *records(PyObject *self, PyObject *args)
{
    PyObject *o[NBUF];
    Py_ssize_t nrec, nlines;
    int vmflags;
    buf_t bufs[NBUF];
    Py_ssize_t i, r, declined = -1;
    int ok = 0;
    memset(bufs, 0, sizeof bufs);
    if (!PyArg_ParseTuple(args, "OOOnnOOOOOOpOOOOOOOOOOOOOOO", &o[SEG], &o[STARTS], &o[ENDS], &nrec, &nlines,
                          &o[EXPECTED], &o[VARYING], &o[LENGTHS], &o[DIGIT_ENDS], &o[WIDTHS], &o[MULT],
                          &vmflags, &o[VALUES], &o[START], &o[END], &o[OFFSET], &o[INODE], &o[PERMS],
                          &o[DEV], &o[DEV_LEN], &o[PATH_A], &o[PATH_B], &o[HAS_PATH], &o[DELETED], &o[VM_A],
                          &o[VM_B], &o[WIDE]))
        return NULL;
    {
        Py_ssize_t nf = nlines - 1 - (vmflags ? 1 : 0);
        Py_ssize_t n8 = nrec * 8;
        if (nrec < 0 || nf < 1) {
            PyErr_SetString(PyExc_ValueError, "_fastc.records: bad shape");
            return NULL;
        }
        if (!get(o[SEG], &bufs[SEG], 0, 0, "seg") || !get(o[STARTS], &bufs[STARTS], 0, n8 * nlines, "starts") ||
            !get(o[ENDS], &bufs[ENDS], 0, n8 * nlines, "ends") || !get(o[EXPECTED], &bufs[EXPECTED], 0, 0, "expected") ||
            !get(o[VARYING], &bufs[VARYING], 0, bufs[EXPECTED].b.len, "varying") ||
            !get(o[LENGTHS], &bufs[LENGTHS], 0, 8 * nf, "lengths") ||
            !get(o[DIGIT_ENDS], &bufs[DIGIT_ENDS], 0, 8 * nf, "digit_ends") ||
            !get(o[WIDTHS], &bufs[WIDTHS], 0, 8 * nf, "widths") || !get(o[MULT], &bufs[MULT], 0, 8 * nf, "mult") ||
            !get(o[VALUES], &bufs[VALUES], 1, n8 * nf, "values") || !get(o[START], &bufs[START], 1, n8, "start") ||
            !get(o[END], &bufs[END], 1, n8, "end") || !get(o[OFFSET], &bufs[OFFSET], 1, n8, "offset") ||
            !get(o[INODE], &bufs[INODE], 1, n8, "inode") || !get(o[PERMS], &bufs[PERMS], 1, 4 * nrec, "perms") ||
            !get(o[DEV], &bufs[DEV], 1, DEV_MAX * nrec, "dev") || !get(o[DEV_LEN], &bufs[DEV_LEN], 1, n8, "dev_len") ||
            !get(o[PATH_A], &bufs[PATH_A], 1, n8, "path_a") || !get(o[PATH_B], &bufs[PATH_B], 1, n8, "path_b") ||
            !get(o[HAS_PATH], &bufs[HAS_PATH], 1, nrec, "has_path") ||
            !get(o[DELETED], &bufs[DELETED], 1, nrec, "deleted") ||
            !get(o[VM_A], &bufs[VM_A], 1, vmflags ? n8 : 0, "vm_a") || !get(o[VM_B], &bufs[VM_B], 1, vmflags ? n8 : 0, "vm_b") ||
            !get(o[WIDE], &bufs[WIDE], 1, nrec, "wide"))
            goto done;
        {
            const unsigned char *s = bufs[SEG].b.buf;
            const Py_ssize_t slen = bufs[SEG].b.len;
            const int64_t *ls = bufs[STARTS].b.buf, *le = bufs[ENDS].b.buf;
            const unsigned char *expected = bufs[EXPECTED].b.buf, *varying = bufs[VARYING].b.buf;
            const Py_ssize_t block_len = bufs[EXPECTED].b.len;
            const int64_t *lengths = bufs[LENGTHS].b.buf, *digit_ends = bufs[DIGIT_ENDS].b.buf;
            const int64_t *widths = bufs[WIDTHS].b.buf, *mult = bufs[MULT].b.buf;
            int64_t *values = bufs[VALUES].b.buf;
            unsigned char *wide = bufs[WIDE].b.buf;
            Py_BEGIN_ALLOW_THREADS
            for (r = 0; r < nrec && declined < 0; r++) {
                const int64_t *rs = ls + r * nlines, *re = le + r * nlines;
                Py_ssize_t at, j;
                /* bounds: every line inside seg, in order */
                for (j = 0; j < nlines; j++)
                    if (rs[j] < 0 || re[j] < rs[j] || re[j] > slen || (j && rs[j] < re[j - 1])) break;
                if (j < nlines) { declined = r; break; }
                /* field lines: the template's lengths, and its bytes outside the digit windows */
                for (j = 0; j < nf; j++)
                    if (re[1 + j] - rs[1 + j] != lengths[j]) break;
                wide[r] = j < nf; /* a value wider than the first record's: the caller reads its fields */
                if (wide[r]) goto head;
                at = rs[1];
                if (at + block_len > slen) { declined = r; break; }
                for (i = 0; i + 8 <= block_len; i += 8) { /* eight bytes at a time, then the rest */
                    uint64_t a, v, e;
                    memcpy(&a, s + at + i, 8);
                    memcpy(&v, varying + i, 8);
                    memcpy(&e, expected + i, 8);
                    if ((a | v) != e) break;
                }
                if (i + 8 <= block_len) { declined = r; break; }
                for (; i < block_len; i++)
                    if ((s[at + i] | varying[i]) != expected[i]) break;
                if (i < block_len) { declined = r; break; }
                /* values: right-aligned digits in each window, spaces before them */
                for (j = 0; j < nf; j++) {
                    Py_ssize_t e = at + digit_ends[j], w = widths[j], k = e - w;
                    int64_t v = 0;
                    while (k < e && s[k] == ' ') k++;
                    if (k == e) break;
                    for (; k < e; k++) {
                        if (s[k] < '0' || s[k] > '9') break;
                        v = v * 10 + (s[k] - '0');
                    }
                    if (k < e) break;
                    values[j * nrec + r] = v * mult[j];
                }
                if (j < nf) { declined = r; break; }
            head:
                if (!header(s, rs[0], re[0], r, bufs[START].b.buf, bufs[END].b.buf, bufs[OFFSET].b.buf,
                            bufs[INODE].b.buf, bufs[PERMS].b.buf, bufs[DEV].b.buf, bufs[DEV_LEN].b.buf,
                            bufs[PATH_A].b.buf, bufs[PATH_B].b.buf, bufs[HAS_PATH].b.buf, bufs[DELETED].b.buf)) {
                    declined = r;
                    break;
                }
                if (vmflags && !vmflags_line(s, rs[nlines - 1], re[nlines - 1], (int64_t *)bufs[VM_A].b.buf + r,
                                             (int64_t *)bufs[VM_B].b.buf + r)) {
                    declined = r;
                    break;
                }
            }
            Py_END_ALLOW_THREADS
        }
        ok = 1;
    }
done:
    for (i = 0; i < NBUF; i++)
        if (bufs[i].held) PyBuffer_Release(&bufs[i].b);
    return ok ? PyLong_FromSsize_t(declined) : NULL;
}

/* newlines(seg, out) -> n: the offsets of the n newlines of seg written to out (int64); -1 when more
 * than out holds (the caller then finds them with numpy). */
static PyObject *newlines(PyObject *self, PyObject *args)
{
    PyObject *o_seg, *o_out;
    buf_t seg = {0}, out = {0};
    Py_ssize_t n = 0;
    int ok = 0;
    if (!PyArg_ParseTuple(args, "OO", &o_seg, &o_out)) return NULL;
    if (get(o_seg, &seg, 0, 0, "seg") && get(o_out, &out, 1, 0, "out")) {
        const unsigned char *s = seg.b.buf, *p = s, *e = s + seg.b.len;
        int64_t *o = out.b.buf;
        const Py_ssize_t cap = out.b.len / 8;
        Py_BEGIN_ALLOW_THREADS
        while (p < e) {
            const unsigned char *q = memchr(p, '\n', (size_t)(e - p));
            if (q == NULL) break;
            if (n == cap) { n = -1; break; }
            o[n++] = q - s;
            p = q + 1;
        }
        Py_END_ALLOW_THREADS
        ok = 1;
    }
    if (seg.held) PyBuffer_Release(&seg.b);
    if (out.held) PyBuffer_Release(&out.b);
    return ok ? PyLong_FromSsize_t(n) : NULL;
}

/* gather(seg, a, b, valid, offsets, data): the strings seg[a[i]:b[i]] (empty where not valid[i]) packed
 * into data, offsets[0..n] where each starts and ends (Arrow's layout); data holds their total length. */
static PyObject *gather(PyObject *self, PyObject *args)
{
    PyObject *o[6];
    buf_t b[6];
    Py_ssize_t n, i;
    int ok = 0;
    memset(b, 0, sizeof b);
    if (!PyArg_ParseTuple(args, "OOOOOO", &o[0], &o[1], &o[2], &o[3], &o[4], &o[5])) return NULL;
    if (get(o[0], &b[0], 0, 0, "seg") && get(o[1], &b[1], 0, 0, "a")) {
        n = b[1].b.len / 8;
        if (get(o[2], &b[2], 0, 8 * n, "b") && get(o[3], &b[3], 0, n, "valid") &&
            get(o[4], &b[4], 1, 8 * (n + 1), "offsets") && get(o[5], &b[5], 1, 0, "data")) {
            const unsigned char *s = b[0].b.buf, *valid = b[3].b.buf;
            const int64_t *pa = b[1].b.buf, *pb = b[2].b.buf;
            int64_t *off = b[4].b.buf, at = 0;
            unsigned char *d = b[5].b.buf;
            const int64_t cap = b[5].b.len, slen = b[0].b.len;
            for (i = 0; i < n; i++) {
                off[i] = at;
                if (!valid[i]) continue;
                if (pa[i] < 0 || pb[i] < pa[i] || pb[i] > slen || at + (pb[i] - pa[i]) > cap) break;
                memcpy(d + at, s + pa[i], (size_t)(pb[i] - pa[i]));
                at += pb[i] - pa[i];
            }
            if (i < n) {
                PyErr_SetString(PyExc_ValueError, "_fastc.gather: a string outside seg or data");
            } else {
                off[n] = at;
                ok = 1;
            }
        }
    }
    for (i = 0; i < 6; i++)
        if (b[i].held) PyBuffer_Release(&b[i].b);
    if (!ok) return NULL;
    Py_RETURN_NONE;
}

/* pmap_cells(P, row_width, starts, ends, hexadecimal, out) -> -1 or the first row declined.
 * P: rows of row_width bytes (pmap's aligned columns); each column starts[j]:ends[j] of every row is
 * a right-aligned number (blanks, then 1 or more digits to the column's end; decimal: up to 18 digits,
 * hex: up to 16, either case), and the bytes between two columns are blanks; out[j * nrows + r] is
 * its value (int64, or uint64 for hex). analyzer/ingest/formats/pmap/fastx.py's _decimals and _hex
 * in one pass. */
static PyObject *pmap_cells(PyObject *self, PyObject *args)
{
    PyObject *o[4];
    buf_t b[4];
    Py_ssize_t width, nrows = 0, ncols, r, j, i, declined = -1;
    int hexadecimal, ok = 0;
    memset(b, 0, sizeof b);
    if (!PyArg_ParseTuple(args, "OnOOpO", &o[0], &width, &o[1], &o[2], &hexadecimal, &o[3])) return NULL;
    if (width <= 0) {
        PyErr_SetString(PyExc_ValueError, "_fastc.pmap_cells: row width");
        return NULL;
    }
    if (get(o[0], &b[0], 0, 0, "P") && get(o[1], &b[1], 0, 0, "starts")) {
        nrows = b[0].b.len / width;
        ncols = b[1].b.len / 8;
        if (get(o[2], &b[2], 0, 8 * ncols, "ends") && get(o[3], &b[3], 1, 8 * ncols * nrows, "out")) {
            const unsigned char *P = b[0].b.buf;
            const int64_t *cs = b[1].b.buf, *ce = b[2].b.buf;
            uint64_t *out = b[3].b.buf;
            for (j = 0; j < ncols; j++)
                if (cs[j] < 0 || ce[j] <= cs[j] || ce[j] > width || ce[j] - cs[j] > (hexadecimal ? 16 : 18) ||
                    (j && cs[j] < ce[j - 1]))
                    break;
            if (j < ncols) {
                PyErr_SetString(PyExc_ValueError, "_fastc.pmap_cells: bad columns");
            } else {
                Py_BEGIN_ALLOW_THREADS
                for (r = 0; r < nrows && declined < 0; r++) {
                    const unsigned char *row = P + r * width;
                    for (j = 0; j < ncols; j++) {
                        uint64_t v = 0;
                        Py_ssize_t k = cs[j];
                        if (j)
                            for (i = ce[j - 1]; i < cs[j]; i++)
                                if (row[i] != ' ') break;
                        if (j && i < cs[j]) break;
                        while (k < ce[j] && row[k] == ' ') k++;
                        if (k == ce[j]) break;
                        for (; k < ce[j]; k++) {
                            int d = hexadecimal ? hexval(row[k]) : (row[k] >= '0' && row[k] <= '9' ? row[k] - '0' : -1);
                            if (d < 0) break;
                            v = hexadecimal ? (v << 4) | (uint64_t)d : v * 10 + (uint64_t)d;
                        }
                        if (k < ce[j]) break;
                        out[j * nrows + r] = v;
                    }
                    if (j < ncols) declined = r;
                }
                Py_END_ALLOW_THREADS
                ok = 1;
            }
        }
    }
    for (i = 0; i < 4; i++)
        if (b[i].held) PyBuffer_Release(&b[i].b);
    return ok ? PyLong_FromSsize_t(declined) : NULL;
}

static PyMethodDef methods[] = {
    {"pmap_cells", pmap_cells, METH_VARARGS, "pmap_cells(P, row_width, starts, ends, hexadecimal, out) -> -1 or a row."},
    {"gather", gather, METH_VARARGS, "gather(seg, a, b, valid, offsets, data): strings packed Arrow's way."},
    {"records", records, METH_VARARGS, "Check and read smaps records (see the module's source)."},
    {"newlines", newlines, METH_VARARGS, "newlines(seg, out) -> n: where seg's newlines are (-1: more than out holds)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_fastc", "smaps records read in C.", -1, methods};

PyMODINIT_FUNC PyInit__fastc(void) { return PyModule_Create(&module); }
