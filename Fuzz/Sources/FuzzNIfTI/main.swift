import PZFuzzTargets

/// libFuzzer's entry point: one input, consumed by the `nifti` body.
@_cdecl("LLVMFuzzerTestOneInput")
public func test(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    FuzzTarget.nifti.run(start, count)
    return 0
}
