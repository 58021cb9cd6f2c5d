import Foundation
import PZGraph
import PZImport
import PZTestSupport
import Testing

/// Every Keras fixture (built and saved by real Keras 3 and tf-keras 2.x, see
/// Fixtures/keras/make_fixtures.py) matches Keras' own predictions.
@Suite struct KerasFixtureTests {
    static let fixtures: [String] = {
        let directory = TestPaths.fixture("keras")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { !$0.hasSuffix(".py") }.sorted()
    }()

    static func importFixture(_ name: String) throws -> Graph {
        let directory = TestPaths.fixture("keras/\(name)")
        if FileManager.default.fileExists(atPath: directory + "/model.json") {
            return try KerasImporter.importModel(json: directory + "/model.json", weights: directory + "/weights.h5")
        }
        return try KerasImporter.importModel(h5: directory + "/model.h5")
    }

    @Test func fixturesArePresent() {
        #expect(Self.fixtures.count == 33)
    }

    @Test(arguments: fixtures)
    func matchesKeras(_ name: String) throws {
        try expectMatchesGolden(try Self.importFixture(name), goldenDirectory: TestPaths.golden("keras/\(name)"))
    }
}
