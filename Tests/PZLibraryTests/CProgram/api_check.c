/*
 * api_check: drives libpzconv through include/pzconv.h as a C user would.
 *
 *   api_check MODEL OUT_PREFIX SOURCE.bin,NCDHW.bin...
 *
 * Loads MODEL (a .pz or .pzir), prints each input and output ("input NAME
 * LAYOUT d0xd1x…" in the source layout), runs it on the raw float32 inputs (one
 * argument per input: the file in the source layout, a comma, the same values in
 * NCDHW) and writes each output to OUT_PREFIX.<j>.bin, and from the NCDHW run to
 * OUT_PREFIX.<j>.ncdhw.bin. Then
 * checks, printing "FAIL: …" for each that does not hold: the same run from the
 * file's bytes in memory, in NCDHW layout and on two handles in two threads at
 * once gives the same bytes; bad arguments and bad files give the documented
 * status and a message; pzconv_command runs inspect and refuses run. Exit status:
 * the number of failures (0: all held).
 *
 *   api_check --command WORD...
 *
 * Runs pzconv_command on the words (e.g. import model.h5 -o net.pzir), prints
 * the report or "error: MESSAGE", and exits with the status.
 *
 *   api_check --predict MODEL VOLUME.bin C D H W OUT.bin [OPTION...]
 *
 * Predicts the raw float32 volume (C, D, H, W) with pzconv_model_predict, the
 * callbacks copying boxes out of and into memory, and writes the output
 * (output channels, D, H, W) raw; prints the summary JSON or "error: MESSAGE" and
 * exits with the status.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pzconv.h"

static int failures = 0;

#define CHECK(condition, ...)                 \
    do {                                      \
        if (!(condition)) {                   \
            printf("FAIL: " __VA_ARGS__);     \
            printf("\n");                     \
            failures++;                       \
        }                                     \
    } while (0)

static void *read_file(const char *path, size_t *length) {
    FILE *file = fopen(path, "rb");
    if (!file) return NULL;
    fseek(file, 0, SEEK_END);
    long size = ftell(file);
    fseek(file, 0, SEEK_SET);
    void *bytes = malloc(size > 0 ? (size_t)size : 1);
    *length = fread(bytes, 1, (size_t)size, file);
    fclose(file);
    return bytes;
}

/* Elements of tensor `index` in `layout`. */
static size_t element_count(const pzconv_model *model, int is_output, size_t index, pzconv_layout layout) {
    size_t rank = 0;
    int64_t shape[5];
    if (pzconv_model_tensor(model, is_output, index, layout, NULL, NULL, &rank, shape, NULL) != PZCONV_OK) return 0;
    size_t count = 1;
    for (size_t axis = 0; axis < rank; axis++) count *= (size_t)shape[axis];
    return count;
}

/* Output buffers for every output of `model` in `layout`. */
static float **output_buffers(const pzconv_model *model, pzconv_layout layout) {
    size_t count = pzconv_model_output_count(model);
    float **outputs = calloc(count, sizeof(float *));
    for (size_t j = 0; j < count; j++) outputs[j] = calloc(element_count(model, 1, j, layout), sizeof(float));
    return outputs;
}

/* Writes output j to PREFIX.j.SUFFIX. */
static void write_outputs(const pzconv_model *model, float **outputs, const char *prefix, const char *suffix,
                          pzconv_layout layout) {
    for (size_t j = 0; j < pzconv_model_output_count(model); j++) {
        char path[4096];
        snprintf(path, sizeof path, "%s.%zu.%s", prefix, j, suffix);
        FILE *file = fopen(path, "wb");
        if (!file) continue;
        fwrite(outputs[j], sizeof(float), element_count(model, 1, j, layout), file);
        fclose(file);
    }
}

static void free_buffers(float **buffers, size_t count) {
    for (size_t j = 0; j < count; j++) free(buffers[j]);
    free(buffers);
}

/* Whether two sets of output buffers hold the same bytes. */
static int same_outputs(const pzconv_model *model, float **a, float **b) {
    for (size_t j = 0; j < pzconv_model_output_count(model); j++) {
        if (memcmp(a[j], b[j], element_count(model, 1, j, PZCONV_LAYOUT_SOURCE) * sizeof(float)) != 0) return 0;
    }
    return 1;
}

struct concurrent_run {
    pzconv_model *model;
    const float *const *inputs;
    float **outputs;
    pzconv_status status;
};

static void *run_in_thread(void *argument) {
    struct concurrent_run *run = argument;
    for (int repeat = 0; repeat < 3 && run->status == PZCONV_OK; repeat++) {
        run->status = pzconv_model_run(run->model, run->inputs, pzconv_model_input_count(run->model),
                                       (float *const *)run->outputs, pzconv_model_output_count(run->model),
                                       PZCONV_LAYOUT_SOURCE, 1, NULL);
    }
    return NULL;
}

/* A volume and an output in memory, for --predict's callbacks. */
struct volume_pair {
    const float *volume;
    float *output;
    int64_t shape[4];        /* the volume's (C, D, H, W) */
    int64_t output_channels;
    int writes;
};

/* Offset of (c, d, h, w) in a C-major array of (channels, D, H, W) shape. */
static size_t offset(const int64_t *shape, int64_t c, int64_t d, int64_t h, int64_t w) {
    return (size_t)(((c * shape[1] + d) * shape[2] + h) * shape[3] + w);
}

static int copy_box(struct volume_pair *pair, const int64_t *origin, const int64_t *size, float *box, const float *from_box,
                    int into_box) {
    size_t index = 0;
    for (int64_t c = 0; c < size[0]; c++)
        for (int64_t d = 0; d < size[1]; d++)
            for (int64_t h = 0; h < size[2]; h++)
                for (int64_t w = 0; w < size[3]; w++, index++) {
                    if (origin[1] + d >= pair->shape[1] || origin[2] + h >= pair->shape[2] || origin[3] + w >= pair->shape[3])
                        return 1;
                    size_t at = offset(pair->shape, origin[0] + c, origin[1] + d, origin[2] + h, origin[3] + w);
                    if (into_box) box[index] = pair->volume[at];
                    else pair->output[at] = from_box[index];
                }
    return 0;
}

static int read_box(void *context, const int64_t *origin, const int64_t *size, float *values) {
    struct volume_pair *pair = context;
    if (size[0] != pair->shape[0]) return 2;
    return copy_box(pair, origin, size, values, NULL, 1);
}

static int write_box(void *context, const int64_t *origin, const int64_t *size, const float *values) {
    struct volume_pair *pair = context;
    if (size[0] != pair->output_channels) return 2;
    pair->writes++;
    return copy_box(pair, origin, size, NULL, values, 0);
}

static void check_errors(const char *model_path) {
    pzconv_model *model = (pzconv_model *)1;
    char *error = NULL;
    pzconv_status status = pzconv_model_load("/nonexistent/net.pz", 1, &model, &error);
    CHECK(status == PZCONV_ERROR_FAILED && model == NULL && error && strstr(error, "/nonexistent/net.pz"),
          "a missing file: status %d, message %s", status, error ? error : "(none)");
    pzconv_string_free(error);

    status = pzconv_model_load(NULL, 1, &model, &error);
    CHECK(status == PZCONV_ERROR_ARGUMENT && error, "a NULL path: status %d", status);
    pzconv_string_free(error);

    size_t length = 0;
    unsigned char *bytes = read_file(model_path, &length);
    const char *format = strstr(model_path, ".pzir") ? "pzir" : "pz";
    status = pzconv_model_load_memory(bytes, length / 2, format, 1, &model, &error);
    CHECK(status == PZCONV_ERROR_FAILED && model == NULL && error, "half a model: status %d", status);
    printf("truncated: %s\n", error ? error : "(none)");
    pzconv_string_free(error);
    status = pzconv_model_load_memory(bytes, length, "onnx", 1, &model, &error);
    CHECK(status == PZCONV_ERROR_ARGUMENT && error && strstr(error, "onnx"), "an unknown format: status %d", status);
    pzconv_string_free(error);
    free(bytes);

    CHECK(pzconv_model_input_count(NULL) == 0, "inputs of NULL");
    status = pzconv_model_run(NULL, NULL, 0, NULL, 0, PZCONV_LAYOUT_SOURCE, 0, &error);
    CHECK(status == PZCONV_ERROR_ARGUMENT && error && strstr(error, "NULL"), "a run of NULL: status %d", status);
    pzconv_string_free(error);

    /* predict: a volume with an empty axis, no callbacks, an option about files. */
    pzconv_model *loaded = NULL;
    if (pzconv_model_load(model_path, 1, &loaded, NULL) == PZCONV_OK) {
        int64_t empty[4] = {1, 0, 8, 8}, shape4[4] = {1, 8, 8, 8};
        status = pzconv_model_predict(loaded, empty, read_box, write_box, NULL, NULL, 0, NULL, &error);
        CHECK(status == PZCONV_ERROR_ARGUMENT && error && strstr(error, "volume_shape"), "predict of an empty volume: %d", status);
        pzconv_string_free(error);
        status = pzconv_model_predict(loaded, shape4, NULL, write_box, NULL, NULL, 0, NULL, &error);
        CHECK(status == PZCONV_ERROR_ARGUMENT && error && strstr(error, "NULL"), "predict without read: %d", status);
        pzconv_string_free(error);
        const char *shard[] = {"--shard", "0/2"};
        status = pzconv_model_predict(loaded, shape4, read_box, write_box, NULL, shard, 2, NULL, &error);
        CHECK(status == PZCONV_ERROR_ARGUMENT && error && strstr(error, "--shard is for files"), "predict --shard: %d", status);
        pzconv_string_free(error);
        pzconv_model_free(loaded);
    }

    const char *run_command[] = {"run", model_path, "x.npy"};
    char *report = NULL;
    status = pzconv_command(run_command, 3, &report, &error);
    CHECK(status == PZCONV_ERROR_ARGUMENT && report == NULL && error && strstr(error, "command line"),
          "pzconv_command run: status %d, %s", status, error ? error : "(none)");
    pzconv_string_free(error);
    const char *bad_option[] = {"inspect", model_path, "--colour"};
    status = pzconv_command(bad_option, 3, &report, &error);
    CHECK(status == PZCONV_ERROR_ARGUMENT && error && strstr(error, "--colour"), "an unknown option: status %d", status);
    pzconv_string_free(error);
    const char *missing[] = {"inspect", "/nonexistent/net.pzir"};
    status = pzconv_command(missing, 2, &report, &error);
    CHECK(status == PZCONV_ERROR_FAILED && error && strstr(error, "/nonexistent/net.pzir"), "inspect of nothing: status %d", status);
    pzconv_string_free(error);
}

static int predict_main(int argc, char **argv) {
    if (argc < 9) return 100;
    pzconv_model *model = NULL;
    char *error = NULL, *summary = NULL;
    if (pzconv_model_load(argv[2], 0, &model, &error) != PZCONV_OK) {
        printf("error: %s\n", error);
        return 101;
    }
    struct volume_pair pair = {0};
    for (int axis = 0; axis < 4; axis++) pair.shape[axis] = atoll(argv[4 + axis]);
    size_t length = 0;
    pair.volume = read_file(argv[3], &length);
    size_t voxels = (size_t)(pair.shape[1] * pair.shape[2] * pair.shape[3]);
    if (!pair.volume || length != (size_t)pair.shape[0] * voxels * sizeof(float)) return 102;
    size_t rank = 0;
    int64_t output_shape[5];
    pzconv_model_tensor(model, 1, 0, PZCONV_LAYOUT_NCDHW, NULL, NULL, &rank, output_shape, NULL);
    pair.output_channels = output_shape[1];
    for (int i = 9; i < argc - 1; i++)
        if (strcmp(argv[i], "--channels") == 0) {
            pair.output_channels = 1;
            for (const char *at = argv[i + 1]; *at; at++) pair.output_channels += *at == ',';
        }
    pair.output = calloc((size_t)pair.output_channels * voxels, sizeof(float));
    pzconv_status status = pzconv_model_predict(model, pair.shape, read_box, write_box, &pair,
                                                (const char *const *)argv + 9, (size_t)(argc - 9), &summary, &error);
    if (status == PZCONV_OK) {
        FILE *file = fopen(argv[8], "wb");
        fwrite(pair.output, sizeof(float), (size_t)pair.output_channels * voxels, file);
        fclose(file);
        printf("%s\nwrites %d\n", summary, pair.writes);
    } else {
        printf("error: %s\n", error);
    }
    pzconv_string_free(summary);
    pzconv_string_free(error);
    free((void *)pair.volume);
    free(pair.output);
    pzconv_model_free(model);
    return status;
}

int main(int argc, char **argv) {
    if (argc >= 3 && strcmp(argv[1], "--command") == 0) {
        char *report = NULL, *error = NULL;
        pzconv_status status = pzconv_command((const char *const *)argv + 2, (size_t)(argc - 2), &report, &error);
        if (report) printf("%s\n", report);
        if (error) printf("error: %s\n", error);
        pzconv_string_free(report);
        pzconv_string_free(error);
        return status;
    }
    if (argc >= 2 && strcmp(argv[1], "--predict") == 0) return predict_main(argc, argv);
    if (argc < 3) {
        fprintf(stderr, "usage: api_check MODEL OUT_PREFIX SOURCE.bin,NCDHW.bin...\n");
        return 100;
    }
    const char *model_path = argv[1], *prefix = argv[2];
    CHECK(pzconv_api_version() == PZCONV_API_VERSION, "API version %d", pzconv_api_version());
    printf("version %s\n", pzconv_version());

    pzconv_model *model = NULL;
    char *error = NULL;
    if (pzconv_model_load(model_path, 2, &model, &error) != PZCONV_OK) {
        printf("FAIL: load %s: %s\n", model_path, error);
        return 101;
    }
    size_t input_count = pzconv_model_input_count(model), output_count = pzconv_model_output_count(model);
    CHECK((size_t)(argc - 3) == input_count, "%zu input files for %zu inputs", (size_t)(argc - 3), input_count);
    for (int is_output = 0; is_output <= 1; is_output++) {
        for (size_t index = 0; index < (is_output ? output_count : input_count); index++) {
            const char *name = NULL, *layout = NULL;
            size_t rank = 0;
            int64_t shape[5];
            CHECK(pzconv_model_tensor(model, is_output, index, PZCONV_LAYOUT_SOURCE, &name, &layout, &rank, shape, NULL)
                  == PZCONV_OK, "tensor %d %zu", is_output, index);
            printf("%s %s %s ", is_output ? "output" : "input", name, layout);
            for (size_t axis = 0; axis < rank; axis++) printf(axis ? "x%lld" : "%lld", (long long)shape[axis]);
            printf("\n");
        }
    }
    pzconv_status status = pzconv_model_tensor(model, 0, input_count, PZCONV_LAYOUT_SOURCE, NULL, NULL, NULL, NULL, &error);
    CHECK(status == PZCONV_ERROR_ARGUMENT && error && strstr(error, "out of range"), "index past the inputs: %d", status);
    pzconv_string_free(error);

    float **inputs = calloc(input_count, sizeof(float *)), **canonical_inputs = calloc(input_count, sizeof(float *));
    for (size_t i = 0; i < input_count && (int)i + 3 < argc; i++) {
        char source[4096];
        snprintf(source, sizeof source, "%s", argv[3 + i]);
        char *comma = strchr(source, ',');
        if (!comma) return 102;
        *comma = 0;
        size_t length = 0, canonical_length = 0;
        inputs[i] = read_file(source, &length);
        canonical_inputs[i] = read_file(comma + 1, &canonical_length);
        if (!inputs[i] || !canonical_inputs[i]) return 102;
        CHECK(length == element_count(model, 0, i, PZCONV_LAYOUT_SOURCE) * sizeof(float) && canonical_length == length,
              "%s holds %zu bytes", argv[3 + i], length);
    }
    float **outputs = output_buffers(model, PZCONV_LAYOUT_SOURCE);
    status = pzconv_model_run(model, (const float *const *)inputs, input_count, outputs, output_count,
                              PZCONV_LAYOUT_SOURCE, 0, &error);
    if (status != PZCONV_OK) {
        printf("FAIL: run: %s\n", error);
        return 103;
    }
    write_outputs(model, outputs, prefix, "bin", PZCONV_LAYOUT_SOURCE);

    /* A wrong input count is refused, and the outputs are left alone. */
    status = pzconv_model_run(model, (const float *const *)inputs, input_count + 1, outputs, output_count,
                              PZCONV_LAYOUT_SOURCE, 0, &error);
    CHECK(status == PZCONV_ERROR_ARGUMENT && error && strstr(error, "input"), "one input too many: %d", status);
    pzconv_string_free(error);
    status = pzconv_model_run(model, (const float *const *)inputs, input_count, outputs, output_count,
                              (pzconv_layout)7, 0, &error);
    CHECK(status == PZCONV_ERROR_ARGUMENT, "layout 7: %d", status);
    pzconv_string_free(error);

    /* The same model from memory, on two handles in two threads at once. */
    size_t length = 0;
    void *bytes = read_file(model_path, &length);
    pzconv_model *second = NULL;
    status = pzconv_model_load_memory(bytes, length, strstr(model_path, ".pzir") ? "pzir" : "pz", 1, &second, &error);
    free(bytes);
    CHECK(status == PZCONV_OK, "load from memory: %s", error ? error : "");
    if (second) {
        struct concurrent_run runs[2] = {
            {model, (const float *const *)inputs, output_buffers(model, PZCONV_LAYOUT_SOURCE), PZCONV_OK},
            {second, (const float *const *)inputs, output_buffers(second, PZCONV_LAYOUT_SOURCE), PZCONV_OK},
        };
        pthread_t threads[2];
        for (int t = 0; t < 2; t++) pthread_create(&threads[t], NULL, run_in_thread, &runs[t]);
        for (int t = 0; t < 2; t++) pthread_join(threads[t], NULL);
        for (int t = 0; t < 2; t++) {
            CHECK(runs[t].status == PZCONV_OK, "thread %d: status %d", t, runs[t].status);
            CHECK(same_outputs(model, outputs, runs[t].outputs), "thread %d: outputs differ from one run alone", t);
            free_buffers(runs[t].outputs, output_count);
        }
        pzconv_model_free(second);
    }

    /* NCDHW in and out (the caller compares the values with the source-layout run's). */
    float **canonical = output_buffers(model, PZCONV_LAYOUT_NCDHW);
    status = pzconv_model_run(model, (const float *const *)canonical_inputs, input_count, canonical, output_count,
                              PZCONV_LAYOUT_NCDHW, 0, &error);
    CHECK(status == PZCONV_OK, "NCDHW run: %s", error ? error : "");
    write_outputs(model, canonical, prefix, "ncdhw.bin", PZCONV_LAYOUT_NCDHW);
    int64_t shape[5];
    size_t rank = 0;
    pzconv_model_tensor(model, 0, 0, PZCONV_LAYOUT_NCDHW, NULL, NULL, &rank, shape, NULL);
    CHECK(rank == 5, "NCDHW rank %zu", rank);

    char *json = NULL;
    CHECK(pzconv_model_inspect_json(model, &json, NULL) == PZCONV_OK && json && json[0] == '{', "inspect JSON");
    pzconv_string_free(json);
    CHECK(pzconv_model_verification_json(model, &json, NULL) == PZCONV_OK && json, "verification JSON");
    printf("verification %s\n", json && strcmp(json, "null") != 0 ? "recorded" : "none");
    pzconv_string_free(json);
    const char *inspect[] = {"inspect", model_path, "--json"};
    char *report = NULL;
    CHECK(pzconv_command(inspect, 3, &report, &error) == PZCONV_OK && report && report[0] == '{', "inspect command: %s",
          error ? error : "");
    pzconv_string_free(report);

    check_errors(model_path);
    free_buffers(canonical, output_count);
    free_buffers(outputs, output_count);
    free_buffers(inputs, input_count);
    free_buffers(canonical_inputs, input_count);
    pzconv_model_free(model);
    printf("%d failure(s)\n", failures);
    return failures;
}
