// Bridges libhdf5 into Swift. HDF5's property-list, type and access constants are
// macros (often wrapping a global id after H5open()), which Swift cannot import;
// each one we use is exposed through a `static inline` function instead.
#ifndef PZ_CHDF5_SHIM_H
#define PZ_CHDF5_SHIM_H

#include <hdf5.h>

static inline hid_t pz_h5p_default(void) { return H5P_DEFAULT; }
static inline hid_t pz_h5s_all(void) { return H5S_ALL; }
static inline hid_t pz_h5e_default(void) { return H5E_DEFAULT; }
static inline unsigned pz_h5f_acc_rdonly(void) { return H5F_ACC_RDONLY; }
static inline unsigned pz_h5f_acc_trunc(void) { return H5F_ACC_TRUNC; }
static inline hid_t pz_h5t_native_float(void) { return H5T_NATIVE_FLOAT; }
static inline hid_t pz_h5t_native_double(void) { return H5T_NATIVE_DOUBLE; }
static inline hid_t pz_h5t_ieee_f32le(void) { return H5T_IEEE_F32LE; }
static inline hid_t pz_h5t_c_s1(void) { return H5T_C_S1; }
static inline size_t pz_h5t_variable(void) { return H5T_VARIABLE; }
static inline hid_t pz_h5p_link_create(void) { return H5P_LINK_CREATE; }

/// Turns off HDF5's automatic error-stack printing, so that failures surface
/// only as the one-line errors pzconv reports itself.
static inline void pz_h5_silence_errors(void) { H5Eset_auto2(H5E_DEFAULT, NULL, NULL); }

#endif
