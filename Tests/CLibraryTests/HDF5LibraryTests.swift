import CHDF5
import Foundation
@testable import PZHDF5
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

    /// A model file never makes pzconv open another file: external links (at the
    /// end of a path or inside it) and datasets stored outside the file are errors
    /// naming the object.
    @Test func refusesExternalLinksAndExternalStorage() throws {
        let directory = try TestPaths.makeTemporaryDirectory()
        let other = directory + "/other.h5"
        try HDF5File(creating: other).root.writeDataset("group/secret", shape: [2], values: [1, 2])
        let path = directory + "/model.h5"
        do {
            let file = try HDF5File(creating: path)
            #expect(H5Lcreate_external(other, "/group/secret", file.handle.id, "weights", pz_h5p_default(), pz_h5p_default()) >= 0)
            #expect(H5Lcreate_external(other, "/group", file.handle.id, "outside", pz_h5p_default(), pz_h5p_default()) >= 0)
            // A dataset whose raw data is an external file (H5Pset_external).
            let creation = H5Pcreate(pz_h5p_dataset_create())
            #expect(H5Pset_external(creation, other, 0, 8) >= 0)
            var dims: [hsize_t] = [2]
            let space = H5Screate_simple(1, &dims, nil)
            let dataset = H5Dcreate2(file.handle.id, "raw", pz_h5t_ieee_f32le(), space, pz_h5p_default(), creation, pz_h5p_default())
            #expect(dataset >= 0)
            _ = H5Dclose(dataset)
            _ = H5Sclose(space)
            _ = H5Pclose(creation)
            try file.flush()
        }
        let root = try HDF5File(readingFrom: path).root
        #expect(root.hasDataset("weights"))
        let direct = #expect(throws: HDF5Error.self) { try root.dataset("weights") }
        #expect(direct?.description == "\(path): /weights is an external link to another file; pzconv reads only self-contained HDF5 files")
        let inside = #expect(throws: HDF5Error.self) { try root.dataset("outside/secret") }
        #expect(inside?.description.hasPrefix("\(path): /outside is an external link") == true)
        let group = #expect(throws: HDF5Error.self) { try root.group("outside") }
        #expect(group?.description.hasPrefix("\(path): /outside is an external link") == true)
        // Opened by absolute path, past the checks above: the access property list refuses.
        #expect(throws: HDF5Error.self) { try HDF5Dataset(file: root.file, openingPath: "/outside/secret") }
        let raw = #expect(throws: HDF5Error.self) { try root.dataset("raw") }
        #expect(raw?.description == "\(path): dataset /raw keeps its data in other files (external storage or a virtual "
                                    + "dataset); pzconv reads only self-contained HDF5 files")
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
