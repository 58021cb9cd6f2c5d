import PZFuzzTargets

/// libFuzzer's entry point: one input, consumed by the `caffemodel` body.
@_cdecl("LLVMFuzzerTestOneInput")
public func test(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    FuzzTarget.caffemodel.run(start, count)
    return 0
}
