import PZFuzzTargets

/// libFuzzer's entry point: one input, consumed by the `zarrChunk` body.
@_cdecl("LLVMFuzzerTestOneInput")
public func test(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    FuzzTarget.zarrChunk.run(start, count)
    return 0
}
