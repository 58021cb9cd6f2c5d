import PZGraph
import PZReference
import Testing

@Suite struct DataMovementReferenceTests {
    @Test func concatAlongChannels() throws {
        let y = try runOp(.concat(ConcatParameters(axis: 1)), [tensor([1, 1, 1, 1, 2], [1, 2]),
                                                                tensor([1, 2, 1, 1, 2], [3, 4, 5, 6])])
        #expect(y.shape == [1, 3, 1, 1, 2])
        #expect(y.values == [1, 2, 3, 4, 5, 6])
    }

    /// Caffe Crop with one offset per cropped axis: axes ≥ 2 take the reference's
    /// size. 0…47 as 1×1×3×4×4, reference 1×1×2×2×2, offsets (1, 0, 2) →
    /// elements 16·(1+d) + 4·h + 2 + w.
    @Test func caffeCropWithPerAxisOffsets() throws {
        let op = Op.crop(CropParameters(offsets: [0, 0, 1, 0, 2], referenceAxis: 2))
        let y = try runOp(op, [iota([1, 1, 3, 4, 4]), Tensor(zeros: [1, 1, 2, 2, 2])])
        #expect(y.shape == [1, 1, 2, 2, 2])
        #expect(y.values == [18, 19, 22, 23, 34, 35, 38, 39])
    }

    /// Keras Cropping: offsets at the start, trim_end at the end.
    @Test func explicitCrop() throws {
        let op = Op.crop(CropParameters(offsets: [0, 0, 0, 0, 1], trimEnd: [0, 0, 0, 0, 2]))
        let y = try runOp(op, [row([1, 2, 3, 4, 5, 6])])
        #expect(y.values == [2, 3, 4])
    }

    /// MergeCrop: b (1…5) is centre-cropped to a's width 3 at offset ⌊(5−3)/2⌋ = 1,
    /// then stacked after a, or added.
    @Test func mergeCropStackAndAdd() throws {
        let a = row([10, 20, 30])
        let b = row([1, 2, 3, 4, 5])
        let stacked = try runOp(.mergeCrop(MergeCropParameters(operation: .stack)), [a, b])
        #expect(stacked.shape == [1, 2, 1, 1, 3])
        #expect(stacked.values == [10, 20, 30, 2, 3, 4])
        let added = try runOp(.mergeCrop(MergeCropParameters(operation: .add)), [a, b])
        #expect(added.values == [12, 23, 34])
    }

    @Test func padWithValue() throws {
        let y = try runOp(.pad(PadParameters(begin: [0, 1, 2], end: [0, 0, 1], value: -1)), [tensor([1, 1, 1, 1, 1], [7])])
        #expect(y.shape == [1, 1, 1, 2, 4])
        #expect(y.values == [-1, -1, -1, -1, -1, -1, 7, -1])
    }

    /// Nearest up-sampling repeats each value: [1 2] by 3 along W → 1 1 1 2 2 2.
    @Test func upsampleRepeats() throws {
        let y = try runOp(.upsample(UpsampleParameters(factors: [2, 1, 3])), [row([1, 2])])
        #expect(y.shape == [1, 1, 2, 1, 6])
        #expect(y.values == [1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2])
    }
}
