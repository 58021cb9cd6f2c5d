import PZFuzzTargets

/// libFuzzer's entry point: one input, consumed by the `zarray` body.
@_cdecl("LLVMFuzzerTestOneInput")
public func test(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    FuzzTarget.zarray.run(start, count)
    return 0
}
