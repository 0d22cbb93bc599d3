/**
 * Keyboard-wedge scanners type a code as a fast burst of keys ending in Enter. In the scan field
 * that is just typing, and Enter submits it. This makes sure the burst lands there when focus is
 * elsewhere on the page (the storekeeper tapped a button, a result or the line choice): the first key moves focus
 * to the scan field before the browser inserts its character, so no key of the burst is lost,
 * however fast or slow the scanner types.
 */

const typesText = (element: Element | null) =>
  element instanceof HTMLInputElement || element instanceof HTMLTextAreaElement ||
  (element instanceof HTMLElement && element.isContentEditable)

/** Sends every printable key typed outside a form field to `field`; returns a function that stops it. */
export const captureWedge = (field: HTMLInputElement): () => void => {
  const onKey = (event: KeyboardEvent) => {
    if (typesText(document.activeElement) || field.closest("[hidden]") !== null) return
    if (event.key.length === 1 && !event.ctrlKey && !event.metaKey && !event.altKey) field.focus()
  }
  window.addEventListener("keydown", onKey, { capture: true })
  return () => window.removeEventListener("keydown", onKey, { capture: true })
}
