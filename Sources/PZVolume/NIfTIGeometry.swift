internal import CNIfTI

/// Where a NIfTI image lies in space, as its header states it: what a
/// prediction's NIfTI output takes from a NIfTI input so the two overlay in a
/// viewer. Voxel (i, j, k) is (x, y, z) in the file: i along W, j along H, k
/// along D of pzconv's (C, D, H, W).
public struct NIfTIGeometry: Equatable, Sendable {
    /// The header's version: 1 (348 bytes) or 2 (540 bytes, 64-bit sizes).
    public var version: Int
    /// NIFTI_XFORM_* codes of the qform and the sform: 0 unknown (that
    /// transform is absent), 1 scanner, 2 aligned, 3 Talairach, 4 MNI 152,
    /// 5 another template.
    public var qformCode: Int
    public var sformCode: Int
    /// The qform: rotation quaternion (b, c, d; a = √(1 − b² − c² − d²)),
    /// offset (x, y, z) in `spatialUnits`, and qfac (±1, pixdim[0]: −1 flips k).
    /// Zero when `qformCode` is 0.
    public var quaternion: [Double]
    public var offset: [Double]
    public var qfac: Double
    /// The sform's rows srow_x, srow_y, srow_z, four numbers each:
    /// (x, y, z) = rows · (i, j, k, 1). Zero when `sformCode` is 0.
    public var sform: [[Double]]
    /// Voxel spacing pixdim[1...3] along i, j, k (W, H, D), positive.
    public var spacing: [Double]
    /// NIFTI_UNITS_* of space (2: mm) and of time (8: s), as in xyzt_units.
    public var spatialUnits: Int
    public var temporalUnits: Int

    public init(version: Int, qformCode: Int, sformCode: Int, quaternion: [Double], offset: [Double], qfac: Double,
                sform: [[Double]], spacing: [Double], spatialUnits: Int, temporalUnits: Int) {
        self.version = version
        self.qformCode = qformCode
        self.sformCode = sformCode
        self.quaternion = quaternion
        self.offset = offset
        self.qfac = qfac
        self.sform = sform
        self.spacing = spacing
        self.spatialUnits = spatialUnits
        self.temporalUnits = temporalUnits
    }

    /// No placement: NIfTI-1, unit spacing, both codes 0 (viewers then use
    /// the spacing alone). For outputs of inputs that are not NIfTI.
    public static let unplaced = NIfTIGeometry(
        version: 1, qformCode: 0, sformCode: 0, quaternion: [0, 0, 0], offset: [0, 0, 0], qfac: 1,
        sform: Array(repeating: [0, 0, 0, 0], count: 3), spacing: [1, 1, 1], spatialUnits: 0, temporalUnits: 0)

    /// The geometry libnifti read into `image` from a header of `version`.
    init(_ image: nifti_image, version: Int) {
        let rows = image.sto_xyz.m
        self.init(
            version: version, qformCode: Int(image.qform_code), sformCode: Int(image.sform_code),
            quaternion: [image.quatern_b, image.quatern_c, image.quatern_d],
            offset: [image.qoffset_x, image.qoffset_y, image.qoffset_z], qfac: image.qfac < 0 ? -1 : 1,
            sform: [[rows.0.0, rows.0.1, rows.0.2, rows.0.3], [rows.1.0, rows.1.1, rows.1.2, rows.1.3],
                    [rows.2.0, rows.2.1, rows.2.2, rows.2.3]],
            spacing: [image.dx, image.dy, image.dz].map { abs($0) },
            spatialUnits: Int(image.xyz_units), temporalUnits: Int(image.time_units))
    }

    /// Sets this geometry in `image` (libnifti writes the header from it).
    func apply(to image: inout nifti_image) {
        image.qform_code = Int32(qformCode)
        image.sform_code = Int32(sformCode)
        (image.quatern_b, image.quatern_c, image.quatern_d) = (quaternion[0], quaternion[1], quaternion[2])
        (image.qoffset_x, image.qoffset_y, image.qoffset_z) = (offset[0], offset[1], offset[2])
        image.qfac = qfac
        let row = { (index: Int) in (sform[index][0], sform[index][1], sform[index][2], sform[index][3]) }
        image.sto_xyz.m = (row(0), row(1), row(2), (0, 0, 0, 1))
        (image.dx, image.dy, image.dz) = (spacing[0], spacing[1], spacing[2])
        (image.pixdim.1, image.pixdim.2, image.pixdim.3) = (spacing[0], spacing[1], spacing[2])
        image.xyz_units = Int32(spatialUnits)
        image.time_units = Int32(temporalUnits)
    }
}
