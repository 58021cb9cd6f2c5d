import Foundation
import PZGraph
import PZPatchIO

/// A `.npy` volume, memory-mapped: only the pages a region touches are read.
/// C order; any integer or float dtype; 3-D (D, H, W) or 4-D with `channelAxis`.
public final class NPYVolumeReader: VolumeReader {
    public let path: String
    public let shape: [Int]
    private let data: Data
    private let header: NPYFile.Header
    private let dataType: ArrayDataType
    private let channelsLast: Bool

    public init(path: String, channelAxis: ChannelAxis? = nil) throws {
        self.path = path
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)
        } catch {
            throw VolumeError(path, "cannot read (\((error as NSError).localizedDescription))")
        }
        header = try data.withUnsafeBytes { try NPYFile.header(Array($0.prefix(65_536 + 12)), path: path) }
        guard !header.fortranOrder else { throw VolumeError(path, "Fortran-ordered arrays are not read (save in C order)") }
        dataType = try ArrayDataType(numpy: header.descr, path: path)
        shape = try ChannelAxis.volumeShape(header.shape, channelAxis: channelAxis, path: path)
        channelsLast = header.shape.count == 4 && channelAxis == .last
        let bytes = shape.checkedElementCount.map { $0.multipliedReportingOverflow(by: dataType.size) }
        guard let bytes, !bytes.overflow, bytes.partialValue <= data.count - header.dataOffset else {
            throw VolumeError(path, "truncated: shape \(header.shape) of \(dataType) needs more bytes than the file's "
                                    + "\(data.count - header.dataOffset)")
        }
    }

    public func read(_ box: VolumeBox) throws -> [Float] {
        let voxels = COrderVoxels(shape: shape, dataType: dataType, channelsLast: channelsLast)
        return data.withUnsafeBytes { file in voxels.read(box, from: UnsafeRawBufferPointer(rebasing: file[header.dataOffset...])) }
    }
}
