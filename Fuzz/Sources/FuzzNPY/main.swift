import PZFuzzTargets

/// libFuzzer's entry point: one input, consumed by the `npy` body.
@_cdecl("LLVMFuzzerTestOneInput")
public func test(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    FuzzTarget.npy.run(start, count)
    return 0
}
