/**
 * Scanning with the phone's camera, where the browser has the Barcode Detection API (Chrome on
 * Android does; desktop and headless Chromium, Firefox and Safari do not: the button stays hidden).
 */

interface DetectedBarcode {
  readonly rawValue: string
}

interface BarcodeDetectorLike {
  detect(source: CanvasImageSource): Promise<ReadonlyArray<DetectedBarcode>>
}

interface BarcodeDetectorClass {
  new(options?: { formats?: ReadonlyArray<string> }): BarcodeDetectorLike
  getSupportedFormats(): Promise<ReadonlyArray<string>>
}

const detectorClass = (): BarcodeDetectorClass | undefined =>
  (globalThis as unknown as { BarcodeDetector?: BarcodeDetectorClass }).BarcodeDetector

/** Whether this browser can scan with the camera. */
export const cameraSupported = (): boolean => detectorClass() !== undefined && navigator.mediaDevices?.getUserMedia !== undefined

/**
 * Shows the back camera in `video` and calls `onCode` for every code seen (the same code again
 * only after `repeatAfterMs`); returns a function that stops the camera.
 */
export const startCamera = async (video: HTMLVideoElement, onCode: (code: string) => void, repeatAfterMs = 2000): Promise<() => void> => {
  const Detector = detectorClass()!
  const detector = new Detector({ formats: await Detector.getSupportedFormats() })
  const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } })
  video.srcObject = stream
  await video.play()
  const seen = new Map<string, number>()
  let stopped = false
  const look = async () => {
    if (stopped) return
    for (const { rawValue } of await detector.detect(video).catch(() => [])) {
      const now = Date.now()
      if (now - (seen.get(rawValue) ?? 0) > repeatAfterMs) onCode(rawValue)
      seen.set(rawValue, now)
    }
    setTimeout(look, 150)
  }
  void look()
  return () => {
    stopped = true
    for (const track of stream.getTracks()) track.stop()
    video.srcObject = null
  }
}
