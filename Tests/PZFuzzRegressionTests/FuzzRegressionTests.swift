import Foundation
import PZFuzzTargets
import PZTestSupport
import Testing

/// Replays, through the fuzz targets' own bodies, every input a fuzzer once
/// crashed, hung or leaked on (FuzzRegressions/<target>/, one file each, named
/// after the bug) and the seed corpora (Fuzz/Corpus/<target>/). A body ignores
/// the errors it is meant to get, so a test fails only by crashing the process
/// (or, under `--sanitize address`, by a sanitizer report).
@Suite struct FuzzRegressionTests {
    static let regressions = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("FuzzRegressions")
    static let corpus = TestPaths.packageRoot.appendingPathComponent("Fuzz").appendingPathComponent("Corpus")

    /// The files directly in `folder/target`, sorted; none when it does not exist.
    static func inputs(_ folder: URL, _ target: String) throws -> [URL] {
        let directory = folder.appendingPathComponent(target)
        guard FileManager.default.fileExists(atPath: directory.path) else { return [] }
        return try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { !$0.hasPrefix(".") }.sorted().map { directory.appendingPathComponent($0) }
    }

    @Test(arguments: FuzzTarget.all.map(\.name))
    func regressionInputsReplayWithoutCrashing(target name: String) throws {
        let target = try #require(FuzzTarget.named(name))
        for file in try Self.inputs(Self.regressions, name) {
            target.run([UInt8](try Data(contentsOf: file)))
        }
    }

    @Test(arguments: FuzzTarget.all.map(\.name))
    func seedCorpusReplaysWithoutCrashing(target name: String) throws {
        let target = try #require(FuzzTarget.named(name))
        let seeds = try Self.inputs(Self.corpus, name)
        #expect(!seeds.isEmpty, "Fuzz/Corpus/\(name) has no seeds")
        for file in seeds {
            target.run([UInt8](try Data(contentsOf: file)))
        }
    }

    /// Every folder of regression inputs belongs to a target.
    @Test func regressionFoldersNameTargets() throws {
        let folders = try FileManager.default.contentsOfDirectory(atPath: Self.regressions.path)
            .filter { !$0.hasPrefix(".") && !$0.hasSuffix(".md") }
        for folder in folders {
            #expect(FuzzTarget.named(folder) != nil, "FuzzRegressions/\(folder) names no fuzz target")
        }
    }
}
