import PZFuzzTargets

/// libFuzzer's entry point: one input, consumed by the `pz` body.
@_cdecl("LLVMFuzzerTestOneInput")
public func test(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    FuzzTarget.pz.run(start, count)
    return 0
}
