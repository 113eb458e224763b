/** Turning anything thrown into words, without ever throwing while doing so. */

/**
 * The message of anything thrown: an Error's message, a string, or a short description of a value
 * that cannot become a message (`Object.create(null)`, an object whose `toString` throws).
 */
export function messageOf(error: unknown): string {
  try {
    if (error instanceof Error) return typeof error.message === "string" && error.message !== "" ? error.message : error.name;
    if (typeof error === "string") return error;
    if (error === null || error === undefined || typeof error !== "object") return String(error);
    const message: unknown = (error as { message?: unknown }).message;
    if (typeof message === "string") return message;
    if (Object.getPrototypeOf(error) === null) return "a non-Error object was thrown";
    const text = String(error);
    return text === "[object Object]" ? "a non-Error object was thrown" : text;
  } catch {
    return "a value that cannot be described was thrown";
  }
}
