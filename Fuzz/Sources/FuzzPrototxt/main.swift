import PZFuzzTargets

/// libFuzzer's entry point: one input, consumed by the `prototxt` body.
@_cdecl("LLVMFuzzerTestOneInput")
public func test(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    FuzzTarget.prototxt.run(start, count)
    return 0
}
