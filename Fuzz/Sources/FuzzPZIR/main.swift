import PZFuzzTargets

/// libFuzzer's entry point: one input, consumed by the `pzir` body.
@_cdecl("LLVMFuzzerTestOneInput")
public func test(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    FuzzTarget.pzir.run(start, count)
    return 0
}
