import Foundation
import PZGraph
import PZHDF5
import PZImport
import PZTestSupport
import Testing

/// The in-memory entry points (what the fuzz targets call) import every fixture
/// exactly as the file-based ones do, HDF5 weights included (read from a file
/// image); and damaged HDF5 files that libhdf5 1.10 would loop forever on, or
/// allocate gigabytes for, are refused first.
@Suite struct InMemoryImportTests {
    static func directories(_ group: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: TestPaths.fixture(group))) ?? []
        return names.filter { !$0.hasSuffix(".py") }.sorted().map { "\(group)/\($0)" }
    }

    static let caffeFixtures = directories("caffe") + directories("caffe-fork")
    static let kerasFixtures = directories("keras")

    static func bytes(_ path: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))) }

    @Test(arguments: caffeFixtures)
    func caffeFromMemoryMatchesCaffeFromFiles(_ fixture: String) throws {
        let prototxt = TestPaths.fixture("\(fixture)/net.prototxt")
        let text = String(decoding: try Self.bytes(prototxt), as: UTF8.self)
        for weights in ["net.caffemodel", "net.caffemodel.h5"].map({ TestPaths.fixture("\(fixture)/\($0)") })
        where FileManager.default.fileExists(atPath: weights) {
            let fromFiles = try CaffeImporter.importModel(prototxt: prototxt, weights: weights)
            let fromMemory = try CaffeImporter.importModel(prototxtText: text, prototxtPath: prototxt,
                                                           weightsBytes: try Self.bytes(weights), weightsPath: weights)
            #expect(fromMemory == fromFiles, "\(weights)")
        }
    }

    @Test(arguments: kerasFixtures)
    func kerasFromMemoryMatchesKerasFromFiles(_ fixture: String) throws {
        let directory = TestPaths.fixture(fixture)
        if FileManager.default.fileExists(atPath: directory + "/model.json") {
            let json = directory + "/model.json", weights = directory + "/weights.h5"
            let fromFiles = try KerasImporter.importModel(json: json, weights: weights)
            let fromMemory = try KerasImporter.importModel(
                jsonText: String(decoding: try Self.bytes(json), as: UTF8.self), path: json,
                weightsBytes: try Self.bytes(weights), weightsPath: weights)
            #expect(fromMemory == fromFiles)
        } else {
            let model = directory + "/model.h5"
            #expect(try KerasImporter.importModel(h5Bytes: try Self.bytes(model), name: model)
                    == KerasImporter.importModel(h5: model))
        }
    }

    /// A fuzzer's file (FuzzRegressions/keras_h5): a global heap collection whose
    /// walk stands still, on which libhdf5 1.10's H5Aread never returns.
    @Test func globalHeapThatLibHDF5LoopsOnIsRefused() throws {
        let path = TestPaths.packageRoot.appendingPathComponent(
            "Tests/PZFuzzRegressionTests/FuzzRegressions/keras_h5/global-heap-zero-size-object-loop.h5").path
        for open in [{ try HDF5File(readingFrom: path) }, { try HDF5File(image: try Self.bytes(path), name: path) }] {
            let error = try #require(throws: HDF5Error.self) { _ = try open() }
            #expect(error.description.hasPrefix("\(path): global heap collection at byte "), "\(error)")
        }
    }

    /// A fuzzer's file (FuzzRegressions/caffe_h5): a blob stored as a "float" of
    /// 4 GiB per element, for which libhdf5 would allocate a 4 GiB conversion buffer.
    @Test func datasetElementSizeIsChecked() throws {
        let path = TestPaths.packageRoot.appendingPathComponent(
            "Tests/PZFuzzRegressionTests/FuzzRegressions/caffe_h5/dataset-float-type-of-4-gib-elements.caffemodel.h5").path
        let error = try #require(throws: HDF5Error.self) {
            _ = try CaffeImporter.importModel(prototxt: TestPaths.fixture("caffe-fork/real_net_layers/net.prototxt"),
                                              weights: path)
        }
        #expect(error.description == "\(path): dataset /data/score/1 has 4294967292-byte elements, not a float (2, 4 or 8 "
                + "bytes) or integer (1, 2, 4 or 8 bytes) type")
    }

    @Test func imagesAreRecognisedByTheirSignature() throws {
        #expect(HDF5File.isHDF5(bytes: try Self.bytes(TestPaths.fixture("keras/sequential-k2/model.h5"))))
        #expect(!HDF5File.isHDF5(bytes: try Self.bytes(TestPaths.fixture("caffe/pool2d/net.caffemodel"))))
        #expect(!HDF5File.isHDF5(bytes: []))
        #expect(throws: HDF5Error.self) { _ = try HDF5File(image: [0x89, 0x48, 0x44, 0x46], name: "four.h5") }
    }
}
