import PZGraph
import Testing

@Suite struct SupportTests {
    @Test func memoryLimitsParseAndCheck() throws {
        #expect(try MemoryLimit(parsing: "1000").bytes == 1000)
        #expect(try MemoryLimit(parsing: "512M").bytes == 512 << 20)
        #expect(try MemoryLimit(parsing: "1.5GiB").bytes == 3 << 29)
        #expect(try MemoryLimit(parsing: "2t").bytes == 2 << 40)
        for bad in ["", "0", "-1G", "lots", "nanG", "1e30G", "16Q"] {
            #expect(throws: MemoryLimitError.self, "\(bad)") { try MemoryLimit(parsing: bad) }
        }
        let limit = MemoryLimit(bytes: 1 << 30)
        try limit.check(1 << 30, for: "weights")
        #expect(throws: MemoryLimitError("weights need 1.0 GiB, more than the memory limit of 512.0 MiB (raise it with --max-memory)")) {
            try MemoryLimit(bytes: 512 << 20).check(1 << 30, for: "weights")
        }
        #expect(MemoryLimit.format(Int.max) == "more than 8 EiB")
        #expect(MemoryLimit.format(12) == "12 bytes")
    }

    @Test func crc32MatchesZlib() {
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(CRC32.checksum([UInt8]()) == 0)
        #expect(CRC32.checksum(Array("The quick brown fox jumps over the lazy dog".utf8)) == 0x414F_A339)
    }

    @Test func sha256KnownVectors() {
        #expect(SHA256.hexDigest(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hexDigest([]) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        let twoBlocks = Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)
        #expect(SHA256.hexDigest(twoBlocks) == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    /// NDHWC → NCDHW for a 1×2×1×2×3 tensor written by hand.
    @Test func layoutConversion() {
        let canonical: [Int] = [1, 3, 1, 2, 2]  // N C D H W
        // NDHWC order: for each (h, w) the 3 channels.
        let source: [Float] = [0, 100, 200, 1, 101, 201, 2, 102, 202, 3, 103, 203]
        let converted = DataLayout.ndhwc.toCanonical(source, canonicalShape: canonical)
        #expect(converted == [0, 1, 2, 3, 100, 101, 102, 103, 200, 201, 202, 203])
        #expect(DataLayout.ndhwc.fromCanonical(converted, canonicalShape: canonical) == source)
        #expect(DataLayout.ndhwc.sourceShape(fromCanonical: canonical) == [1, 1, 2, 2, 3])
        #expect(DataLayout.nhwc.sourceShape(fromCanonical: canonical) == [1, 2, 2, 3])
        #expect(DataLayout.nchw.canonicalShape(fromSource: [1, 3, 11, 13]) == [1, 3, 1, 11, 13])
        #expect(DataLayout("NCWH") == nil)
        #expect(DataLayout("NDHW") == nil)
        #expect(DataLayout("NCDHW") == .ncdhw)
    }

    @Test func integerDivisionRoundsTowardTheRightInfinity() {
        #expect(floorDivide(-1, 2) == -1)
        #expect(ceilDivide(-1, 2) == 0)
        #expect(ceilDivide(5, 2) == 3)
        #expect(floorDivide(5, 2) == 2)
    }

    @Test func statisticsCountConvolutionFlops() throws {
        var graph = Graph(name: "g", nodes: [
            Node(name: "x", op: .input(InputParameters(shape: [1, 2, 4, 4, 4], sourceLayout: .ncdhw)), inputs: [], outputs: ["x"]),
            Node(name: "c", op: .convolution(ConvolutionParameters(outputChannels: 3, kernel: [3, 3, 3], padBegin: [1, 1, 1],
                                                                   padEnd: [1, 1, 1])),
                 inputs: ["x"], outputs: ["c"], weights: [.weight: Tensor(zeros: [3, 2, 3, 3, 3]), .bias: Tensor(zeros: [3])]),
        ], outputs: [GraphOutput(tensor: "c", sourceLayout: .ncdhw)])
        let statistics = graph.statistics(shapes: try graph.validate())
        // 3 output channels × 64 positions × (2 × 27) multiply-adds × 2.
        #expect(statistics[1].flops == 2 * 3 * 64 * 54)
        #expect(statistics[1].parameters == 3 * 54 + 3)
        graph.name = "unchanged"
    }
}
