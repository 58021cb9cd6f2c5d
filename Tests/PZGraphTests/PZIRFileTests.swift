import Foundation
import PZGraph
import PZTestSupport
import Testing

@Suite struct PZIRFileTests {
    private func bytes() throws -> [UInt8] { try PZIRFile.encode(everyOpGraph()) }

    @Test func roundTripsEveryOp() throws {
        let graph = everyOpGraph()
        let path = try TestPaths.makeTemporaryDirectory() + "/every.pzir"
        try PZIRFile.write(graph, to: path)
        let decoded = try PZIRFile.read(from: path)
        #expect(decoded == graph)
        #expect(try PZIRFile.encode(decoded) == PZIRFile.encode(graph))
    }

    @Test func headerAndWeightsAreAligned() throws {
        let file = try bytes()
        let reader = ByteReader(file)
        #expect(Array(file[0..<8]) == PZIRFile.magic)
        #expect(reader.read(UInt32.self, at: 8) == 1)
        let jsonOffset = Int(reader.read(UInt64.self, at: 32)!)
        let jsonLength = Int(reader.read(UInt64.self, at: 40)!)
        #expect(jsonOffset + jsonLength == file.count)
        let json = try JSONSerialization.jsonObject(with: Data(file[jsonOffset...])) as! [String: Any]
        let nodes = json["nodes"] as! [[String: Any]]
        for node in nodes {
            for (_, entry) in node["weights"] as? [String: [String: Any]] ?? [:] {
                let offset = entry["offset"] as! Int
                #expect(offset % 64 == 0)
                let length = entry["bytes"] as! Int
                #expect(CRC32.checksum(file[offset..<(offset + length)]) == UInt32(entry["crc32"] as! Int))
            }
        }
    }

    private func expectError(_ bytes: [UInt8], _ fragment: String) {
        let error = #expect(throws: PZIRError.self) { try PZIRFile.decode(bytes, path: "net.pzir") }
        #expect(error?.description.contains(fragment) == true, "\(error.map(String.init(describing:)) ?? "no error")")
        #expect(error?.description.hasPrefix("net.pzir: ") == true)
    }

    @Test func rejectsTruncatedFiles() throws {
        let file = try bytes()
        expectError(Array(file.prefix(40)), "truncated")
        expectError(Array(file.prefix(file.count - 10)), "truncated")
        expectError(Array(file.prefix(5)), "not a .pzir file")
    }

    @Test func rejectsBitFlips() throws {
        let file = try bytes()
        var weightFlip = file
        weightFlip[64 + 3] ^= 0x10
        expectError(weightFlip, "is corrupted (checksum mismatch)")
        var jsonFlip = file
        jsonFlip[file.count - 20] ^= 0x01
        expectError(jsonFlip, "the graph description is corrupted")
        var headerFlip = file
        headerFlip[20] ^= 0x01
        expectError(headerFlip, "the header is corrupted")
    }

    @Test func rejectsForeignFilesAndOtherVersions() throws {
        expectError(Array("PK\u{3}\u{4} a zip file, not a model".utf8), "not a .pzir file (bad magic bytes)")
        var file = try bytes()
        file[8] = 2
        file.replaceSubrange(60..<64, with: withUnsafeBytes(of: CRC32.checksum(file[0..<60]).littleEndian, Array.init))
        expectError(file, "unsupported .pzir version 2")
    }

    @Test func rejectsTrailingBytes() throws {
        expectError(try bytes() + [0, 0, 0], "3 unexpected bytes after the end")
    }

    /// A checksummed but semantically broken description (a weight offset pointing
    /// outside the data section) is caught by the offset checks.
    @Test func rejectsWeightsOutsideTheDataSection() throws {
        var file = try bytes()
        let reader = ByteReader(file)
        let jsonOffset = Int(reader.read(UInt64.self, at: 32)!)
        var json = String(decoding: file[jsonOffset...], as: UTF8.self)
        json = json.replacingOccurrences(of: "\"offset\" : 64,", with: "\"offset\" : 6400000,")
        let jsonBytes = Array(json.utf8)
        file.replaceSubrange(jsonOffset..., with: jsonBytes)
        var header = ByteWriter()
        header.append(Array(file[0..<40]))
        header.append(UInt64(jsonBytes.count))
        header.append(CRC32.checksum(jsonBytes))
        header.append(UInt64(0))
        header.append(CRC32.checksum(header.bytes))
        file.replaceSubrange(0..<64, with: header.bytes)
        expectError(file, "lies outside the data section")
    }

    @Test func writerIsAtomicAndLeavesNoTemporaryFiles() throws {
        let directory = try TestPaths.makeTemporaryDirectory()
        let path = directory + "/net.pzir"
        try PZIRFile.write(everyOpGraph(), to: path)
        var broken = everyOpGraph()
        broken.outputs.append(GraphOutput(tensor: "missing", sourceLayout: .ncdhw))
        #expect(throws: GraphError.self) { try PZIRFile.write(broken, to: path) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["net.pzir"])
        #expect(try PZIRFile.read(from: path) == everyOpGraph())
        #expect(throws: FileError.self) { try PZIRFile.write(everyOpGraph(), to: directory + "/no/such/dir/x.pzir") }
    }
}
