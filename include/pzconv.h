/*
 * pzconv.h — the C API of libpzconv: load a pzconv model (.pz packed for the fast
 * executor, or .pzir for the reference executor), describe its inputs and outputs,
 * run it on caller-owned float32 buffers or over a whole volume (tiled and
 * blended, as `pzconv predict`), and run the model-file commands (import,
 * optimize, verify, export, inspect) in-process.
 *
 * Errors: every function that can fail returns a pzconv_status and, when `error`
 * is not NULL and the status is not PZCONV_OK, stores a one-line message in
 * *error (the text the pzconv command line prints after "Error: "), which the
 * caller frees with pzconv_string_free. Nothing in the library exits the process
 * or prints on success; bad files and bad arguments are errors, never crashes.
 *
 * Threads: a model handle may be used from any thread. Runs on one handle are
 * serialized (it owns one set of activation buffers); different handles run at
 * the same time. The description functions read immutable data and may be called
 * while the handle runs. pzconv_model_free must not race with other calls on the
 * same handle.
 *
 * Layouts: "source" is the layout of the model the net came from (NCDHW for
 * Caffe and channels_first Keras, NDHWC for channels_last Keras 3-D, NCHW / NHWC
 * for 2-D nets); "NCDHW" is pzconv's canonical 5-D layout. Buffers are dense,
 * C order, float32, and hold exactly the element count of the shape given here.
 *
 * Importing HDF5 files (Keras .h5, .caffemodel.h5) runs libhdf5 in a child
 * process, the `pzconv` executable: the library looks for it next to
 * libpzconv.so, or where the environment variable PZCONV_EXECUTABLE says.
 */
#ifndef PZCONV_H
#define PZCONV_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The version of this header's API; pzconv_api_version() returns the library's. */
#define PZCONV_API_VERSION 1

typedef enum {
    PZCONV_OK = 0,
    /* A bad argument from the caller: NULL, an index out of range, a wrong buffer
       count, an unknown command or option. */
    PZCONV_ERROR_ARGUMENT = 1,
    /* The operation failed: a file that is missing, damaged or not a model pzconv
       reads, a memory limit, a model that cannot run. */
    PZCONV_ERROR_FAILED = 2,
    /* verify / optimize ran but a check did not hold: *report is still set. */
    PZCONV_ERROR_CHECK_FAILED = 3
} pzconv_status;

typedef enum {
    PZCONV_LAYOUT_SOURCE = 0,
    PZCONV_LAYOUT_NCDHW = 1
} pzconv_layout;

/* A loaded model. */
typedef struct pzconv_model pzconv_model;

/* The library's version, e.g. "0.9.0 (…)"; static storage. */
const char *pzconv_version(void);

/* PZCONV_API_VERSION of the library. */
int pzconv_api_version(void);

/* Frees a string the library returned (NULL is ignored). */
void pzconv_string_free(char *string);

/* Loads a .pz (fast executor) or .pzir (reference executor) file, by extension.
   threads: worker threads of the fast executor for runs that do not name their
   own (0: every core). Every check of the command line's loader applies. */
pzconv_status pzconv_model_load(const char *path, int threads, pzconv_model **model, char **error);

/* Loads a model from `length` bytes at `bytes` (copied: the caller may free them
   after the call). format: "pz" or "pzir". */
pzconv_status pzconv_model_load_memory(const void *bytes, size_t length, const char *format, int threads,
                                       pzconv_model **model, char **error);

/* Frees a model (NULL is ignored). */
void pzconv_model_free(pzconv_model *model);

/* How many inputs (outputs) the model has; 0 for NULL. */
size_t pzconv_model_input_count(const pzconv_model *model);
size_t pzconv_model_output_count(const pzconv_model *model);

/* Describes input (is_output = 0) or output (is_output = 1) `index`: its name
   and its source layout ("NCDHW", "NDHWC", "NCHW", …), both owned by the model
   and valid until pzconv_model_free; its shape in `layout` with the batch axis
   first (*rank values, at most 5, written to shape[0…4]). Any out-parameter may
   be NULL. */
pzconv_status pzconv_model_tensor(const pzconv_model *model, int is_output, size_t index, pzconv_layout layout,
                                  const char **name, const char **source_layout, size_t *rank, int64_t shape[5],
                                  char **error);

/* Runs the model once: inputs[i] holds input i, outputs[j] receives output j,
   each with the element count of its shape in `layout` (pzconv_model_tensor).
   threads: worker threads for this run (0: the model's own). The buffers
   belong to the caller; the library does not keep them. */
pzconv_status pzconv_model_run(pzconv_model *model, const float *const *inputs, size_t input_count,
                               float *const *outputs, size_t output_count, pzconv_layout layout, int threads,
                               char **error);

/* The model as `pzconv inspect --json` reports it (layers, shapes, FLOPs,
   fusions; for a .pz the kernels and buffers). *json: free with pzconv_string_free. */
pzconv_status pzconv_model_inspect_json(const pzconv_model *model, char **json, char **error);

/* The verification record the optimizer stored in the model (each pass, its
   error against the unfused net, the tolerance), as JSON; "null" when the model
   was never optimized. */
pzconv_status pzconv_model_verification_json(const pzconv_model *model, char **json, char **error);

/* Reads the box of the volume at `origin` of `size` (4 values each: C, D, H, W;
   the box is inside the volume and spans every channel) into `values`, C-major
   then D, H, W: size[0]·size[1]·size[2]·size[3] floats. Returns 0, or non-zero
   to stop the prediction (pzconv_model_predict then fails). Called from a
   thread of the library's own (it reads ahead while the model runs). */
typedef int (*pzconv_read_box)(void *context, const int64_t *origin, const int64_t *size, float *values);

/* Receives the prediction over one chunk of the output (C = the kept output
   channels, D, H, W; layout as for pzconv_read_box); `values` belong to the
   library and are valid during the call. Each chunk is delivered once, all of
   its tiles blended. Returns 0, or non-zero to stop. */
typedef int (*pzconv_write_box)(void *context, const int64_t *origin, const int64_t *size, const float *values);

/* Predicts a whole volume of shape volume_shape (C, D, H, W) as `pzconv predict`
   does — tiles of the model's patch, overlapping and blended, streamed chunk by
   chunk — reading through `read` and delivering through `write` (both given
   `context`). options: predict's own options, e.g. {"--blend", "gaussian",
   "--overlap", "4,32,32"}: --overlap, --blend, --pad, --normalize, --channels,
   --chunk, --accumulator-memory, --threads, --max-memory (options about files
   are refused: PZCONV_ERROR_ARGUMENT, as for any bad option). The model needs one 3-D input; its first output is predicted.
   *summary_json (may be NULL): tiles, voxels, seconds, voxels/s. */
pzconv_status pzconv_model_predict(pzconv_model *model, const int64_t volume_shape[4], pzconv_read_box read,
                                   pzconv_write_box write, void *context, const char *const *options,
                                   size_t option_count, char **summary_json, char **error);

/* Runs one of the model-file commands in-process with the command line's own
   arguments, e.g. {"import", "model.h5", "-o", "net.pzir"},
   {"export", "net.pzir", "-o", "net.pz"}, {"verify", "net.pzir", "--json"},
   {"optimize", …}, {"inspect", "net.pz", "--json"}. *report: what the command
   line prints on success (free with pzconv_string_free; may be NULL). Other
   commands (run, predict, bench, submit, status) are for the command line. */
pzconv_status pzconv_command(const char *const *arguments, size_t count, char **report, char **error);

#ifdef __cplusplus
}
#endif

#endif /* PZCONV_H */
