import PZGraph
import PZVolume
import Testing

@Suite struct VolumeNormalizationTests {
    /// 0, 1, …, 999 in a 10×10×10 volume.
    let ramp = MemoryVolume(shape: [1, 10, 10, 10], values: (0..<1000).map(Float.init))

    @Test func fixedSchemes() throws {
        var values: [Float] = [0, 51, 255]
        try VolumeNormalization(.scale(1 / 255), volume: ramp).apply(&values)
        #expect(values == [0, 51 * (1 / Float(255)), 255 * (1 / Float(255))])
        var centred: [Float] = [100, 132]
        try VolumeNormalization(.meanStd(mean: 100, std: 16), volume: ramp).apply(&centred)
        #expect(centred == [0, 2])
    }

    /// zscore takes the whole volume's mean and standard deviation (read in slabs).
    @Test func zscoreUsesTheVolumesStatistics() throws {
        let normalization = try VolumeNormalization(.zscore, volume: ramp, slabVoxels: 300)
        var values: [Float] = [499.5, 499.5 + 288.67499]  // mean, mean + one standard deviation
        normalization.apply(&values)
        #expect(abs(values[0]) < 1e-5 && abs(values[1] - 1) < 1e-4, "\(values)")
    }

    /// percentile clips to the volume's percentiles and maps them to 0 and 1.
    @Test func percentileClipsAndRescales() throws {
        let normalization = try VolumeNormalization(.percentile(low: 1, high: 99), volume: ramp, slabVoxels: 128)
        #expect(abs(normalization.low - 9) <= 0.02 && abs(normalization.high - 989) <= 0.02, "\(normalization)")
        var values: [Float] = [-5, normalization.low, normalization.high, 2000]
        normalization.apply(&values)
        #expect(values[0] == 0 && abs(values[1]) < 1e-6 && abs(values[2] - 1) < 1e-6 && values[3] == 1)
    }
}
