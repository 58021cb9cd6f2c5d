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
static inline unsigned pz_h5f_acc_rdwr(void) { return H5F_ACC_RDWR; }
static inline hid_t pz_h5t_std_u8le(void) { return H5T_STD_U8LE; }
static inline hid_t pz_h5t_native_float(void) { return H5T_NATIVE_FLOAT; }
static inline hid_t pz_h5t_native_double(void) { return H5T_NATIVE_DOUBLE; }
static inline hid_t pz_h5t_ieee_f32le(void) { return H5T_IEEE_F32LE; }
static inline hid_t pz_h5t_c_s1(void) { return H5T_C_S1; }
static inline size_t pz_h5t_variable(void) { return H5T_VARIABLE; }
static inline hid_t pz_h5p_link_create(void) { return H5P_LINK_CREATE; }
static inline hid_t pz_h5p_dataset_create(void) { return H5P_DATASET_CREATE; }

/// An external-link traversal callback that refuses every traversal: a model
/// file must not make pzconv open other files named inside it.
static herr_t pz_h5_refuse_external_link(const char *parent_file_name, const char *parent_group_name,
                                         const char *child_file_name, const char *child_object_name,
                                         unsigned *access_flags, hid_t fapl_id, void *operator_data) {
    (void)parent_file_name; (void)parent_group_name; (void)child_file_name; (void)child_object_name;
    (void)access_flags; (void)fapl_id; (void)operator_data;
    return -1;
}

/// A new access property list that refuses to follow external links, for
/// H5Lexists/H5Oopen (kind 0: link access), H5Gopen2 (1: group access) or
/// H5Dopen2 (2: dataset access). Negative on failure; close with H5Pclose.
static inline hid_t pz_h5p_access_refusing_external_links(int kind) {
    hid_t class_id = kind == 2 ? H5P_DATASET_ACCESS : kind == 1 ? H5P_GROUP_ACCESS : H5P_LINK_ACCESS;
    hid_t plist = H5Pcreate(class_id);
    if (plist < 0) return plist;
    if (H5Pset_elink_cb(plist, pz_h5_refuse_external_link, NULL) < 0) {
        H5Pclose(plist);
        return -1;
    }
    return plist;
}

/// 1 when the link `name` in `location` is an external link (to another file),
/// 0 when it is a hard or soft link, negative when it cannot be read. (H5Lget_info
/// is a versioned macro in HDF5 1.12+, which Swift cannot call.)
static inline int pz_h5l_is_external(hid_t location, const char *name, hid_t link_access) {
    H5L_info_t info;
    if (H5Lget_info(location, name, &info, link_access) < 0) return -1;
    return info.type == H5L_TYPE_EXTERNAL ? 1 : 0;
}

/// 1 when the dataset's data lives outside the file (external raw storage or a
/// virtual dataset mapping other files), 0 when it is in the file, negative on error.
static inline int pz_h5d_stored_elsewhere(hid_t dataset) {
    hid_t creation = H5Dget_create_plist(dataset);
    if (creation < 0) return -1;
    int elsewhere = H5Pget_external_count(creation) > 0 || H5Pget_layout(creation) == H5D_VIRTUAL;
    H5Pclose(creation);
    return elsewhere;
}

/// Opens an HDF5 file image held in memory, read-only: the core driver with no
/// backing store, HDF5 keeping its own copy of the `size` bytes at `image`.
/// `name` identifies the open file to HDF5; it must be unique among open images
/// and must not name an existing file (the core driver refuses an image then).
/// Negative on failure; close with H5Fclose.
static inline hid_t pz_h5f_open_image(const void *image, size_t size, const char *name) {
    hid_t access = H5Pcreate(H5P_FILE_ACCESS);
    if (access < 0) return access;
    hid_t file = -1;
    if (H5Pset_fapl_core(access, 64 * 1024, 0) >= 0 && H5Pset_file_image(access, (void *)image, size) >= 0)
        file = H5Fopen(name, H5F_ACC_RDONLY, access);
    H5Pclose(access);
    return file;
}

/// A new little-endian IEEE binary16 type, defined as h5py defines float16 (HDF5
/// 1.10 has no predefined one). Negative on failure; close with H5Tclose.
static inline hid_t pz_h5t_make_f16le(void) {
    hid_t type = H5Tcopy(H5T_IEEE_F32LE);
    if (type < 0) return type;
    if (H5Tset_fields(type, 15, 10, 5, 0, 10) < 0 || H5Tset_size(type, 2) < 0 || H5Tset_ebias(type, 15) < 0) {
        H5Tclose(type);
        return -1;
    }
    return type;
}

/// Turns off HDF5's automatic error-stack printing, so that failures surface
/// only as the one-line errors pzconv reports itself.
static inline void pz_h5_silence_errors(void) { H5Eset_auto2(H5E_DEFAULT, NULL, NULL); }

#endif
