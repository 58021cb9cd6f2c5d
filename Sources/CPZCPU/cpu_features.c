#include "pz_cpu.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>

static unsigned long long pz_xgetbv0(void) {
    unsigned int eax, edx;
    __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
    return ((unsigned long long)edx << 32) | eax;
}

pz_cpu_features pz_cpu_detect(void) {
    pz_cpu_features features = {0, 0};
    unsigned int eax, ebx, ecx, edx;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return features;
    int fma = (ecx >> 12) & 1, osxsave = (ecx >> 27) & 1, avx = (ecx >> 28) & 1;
    if (!osxsave || !avx) return features;
    unsigned long long xcr0 = pz_xgetbv0();
    int ymmSaved = (xcr0 & 0x6) == 0x6;             /* SSE and AVX state */
    int zmmSaved = (xcr0 & 0xE6) == 0xE6;           /* plus opmask, ZMM_Hi256, Hi16_ZMM */
    if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) return features;
    int avx2 = (ebx >> 5) & 1, avx512f = (ebx >> 16) & 1;
    features.avx2 = avx2 && fma && ymmSaved;
    features.avx512f = features.avx2 && avx512f && zmmSaved;
    return features;
}
#else
pz_cpu_features pz_cpu_detect(void) {
    pz_cpu_features features = {0, 0};
    return features;
}
#endif
