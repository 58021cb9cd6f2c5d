import PZFuzzTargets

/// libFuzzer's entry point: one input, consumed by the `caffeH5` body.
@_cdecl("LLVMFuzzerTestOneInput")
public func test(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    FuzzTarget.caffeH5.run(start, count)
    return 0
}
