import Foundation
import PZHDF5
import PZTestSupport
import Testing

/// Proves the libhdf5 system-library target really links and works.
@Suite struct HDF5LibraryTests {
    @Test func writesAndReadsBackADataset() throws {
        let path = try TestPaths.makeTemporaryDirectory() + "/roundtrip.h5"
        let values: [Float] = (0..<24).map { Float($0) * 0.5 - 3 }
        do {
            let file = try HDF5File(creating: path)
            try file.root.writeDataset("group/nested/values", shape: [2, 3, 4], values: values)
            try file.root.group("group").writeStringAttribute("names", ["conv1", "bn_1"], fixedLength: true)
            try file.root.writeStringAttribute("model_config", ["{\"a\": 1}"], asArray: false)
            try file.flush()
        }
        #expect(HDF5File.isHDF5(path: path))
        let root = try HDF5File(readingFrom: path).root
        let dataset = try root.dataset("group/nested/values")
        #expect(try dataset.shape() == [2, 3, 4])
        #expect(try dataset.readFloats() == values)
        #expect(try root.group("group").stringsAttribute("names") == ["conv1", "bn_1"])
        #expect(try root.stringAttribute("model_config") == "{\"a\": 1}")
        #expect(try root.childNames() == ["group"])
        #expect(root.hasDataset("group/nested/values"))
        #expect(!root.hasDataset("group/nested"))
        #expect(!root.hasLink("group/missing/values"))
    }

    @Test func rejectsAFileThatIsNotHDF5() throws {
        let path = try TestPaths.makeTemporaryDirectory() + "/not.h5"
        try Data("plain text".utf8).write(to: URL(fileURLWithPath: path))
        #expect(!HDF5File.isHDF5(path: path))
        let error = #expect(throws: HDF5Error.self) { try HDF5File(readingFrom: path) }
        #expect(error?.description.contains("not an HDF5 file") == true)
        #expect(error?.description.hasPrefix(path) == true)
    }

    @Test func reportsAMissingDatasetByPath() throws {
        let path = try TestPaths.makeTemporaryDirectory() + "/empty.h5"
        _ = try HDF5File(creating: path)
        let error = #expect(throws: HDF5Error.self) { try HDF5File(readingFrom: path).root.dataset("data/conv/0") }
        #expect(error?.description == "\(path): no dataset /data/conv/0")
    }
}
