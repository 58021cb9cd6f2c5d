#ifndef PZ_CPU_H
#define PZ_CPU_H

/// What the running CPU and operating system support, read with CPUID and XGETBV
/// (x86-64; 0 everywhere else). A feature counts only when the OS saves its
/// registers on context switches (XCR0), as the kernels need.
typedef struct {
    int avx2;     ///< AVX2 and FMA3 on 256-bit registers (ymm0-15)
    int avx512f;  ///< AVX-512 Foundation on 512-bit registers (zmm0-31)
} pz_cpu_features;

pz_cpu_features pz_cpu_detect(void);

#endif
