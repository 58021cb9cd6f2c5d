import Foundation
import PZGraph
import PZPatchIO

/// A `.npy` volume, memory-mapped: only the pages a region touches are read,
/// and handed back after it (`MappedFile.release`), so resident memory does not
/// grow with the volume.
/// C order; any integer or float dtype; 3-D (D, H, W) or 4-D with `channelAxis`.
public final class NPYVolumeReader: VolumeReader {
    public let path: String
    public let shape: [Int]
    private let file: MappedFile
    private let header: NPYFile.Header
    private let dataType: ArrayDataType
    private let channelsLast: Bool

    public init(path: String, channelAxis: ChannelAxis? = nil) throws {
        self.path = path
        file = try MappedFile(path: path)
        header = try NPYFile.header(Array(file.bytes.prefix(65_536 + 12)), path: path)
        guard !header.fortranOrder else { throw VolumeError(path, "Fortran-ordered arrays are not read (save in C order)") }
        dataType = try ArrayDataType(numpy: header.descr, path: path)
        shape = try ChannelAxis.volumeShape(header.shape, channelAxis: channelAxis, path: path)
        channelsLast = header.shape.count == 4 && channelAxis == .last
        let bytes = shape.checkedElementCount.map { $0.multipliedReportingOverflow(by: dataType.size) }
        guard let bytes, !bytes.overflow, bytes.partialValue <= file.bytes.count - header.dataOffset else {
            throw VolumeError(path, "truncated: shape \(header.shape) of \(dataType) needs more bytes than the file's "
                                    + "\(file.bytes.count - header.dataOffset)")
        }
    }

    public func read(_ box: VolumeBox) throws -> [Float] {
        let voxels = COrderVoxels(shape: shape, dataType: dataType, channelsLast: channelsLast)
        let values = voxels.read(box, from: UnsafeRawBufferPointer(rebasing: file.bytes[header.dataOffset...]))
        for range in voxels.byteRanges(box) { file.release(range.lowerBound + header.dataOffset ..< range.upperBound + header.dataOffset) }
        return values
    }
}
