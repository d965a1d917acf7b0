/**
 * Stored files (PDF invoices, SEPA files) through `GET /content/<document id>`, authenticated like
 * /graphql (bearer token or the dev headers). A link cannot carry those headers, so the file is
 * fetched and handed to the browser as an object URL: opened in a new tab (view) or saved.
 */
import { authHeaders, handleUnauthorized } from "./auth";

export function contentUrl(documentId: string): string {
  return `/content/${encodeURIComponent(documentId)}`;
}

export class DownloadError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** The file name of a Content-Disposition header (RFC 6266, `filename*` preferred), else the fallback. */
export function fileNameFrom(disposition: string | null, fallback: string): string {
  if (!disposition) return fallback;
  const star = /filename\*\s*=\s*([^']*)'[^']*'([^;]+)/i.exec(disposition);
  if (star?.[2]) {
    try {
      return decodeURIComponent(star[2].trim());
    } catch {
      /* fall through to the plain parameter */
    }
  }
  const plain = /filename\s*=\s*(?:"((?:\\.|[^"])*)"|([^;]+))/i.exec(disposition);
  const name = plain?.[1]?.replace(/\\(.)/g, "$1") ?? plain?.[2]?.trim();
  return name || fallback;
}

export interface FetchedContent {
  blob: Blob;
  fileName: string;
}

export async function fetchContent(documentId: string, fallbackName: string, fetchImpl: typeof fetch = fetch): Promise<FetchedContent> {
  const response = await fetchImpl(contentUrl(documentId), { headers: authHeaders() });
  if (response.status === 401) handleUnauthorized();
  if (!response.ok) throw new DownloadError(`GET ${contentUrl(documentId)}: ${response.status}`, response.status);
  return { blob: await response.blob(), fileName: fileNameFrom(response.headers.get("Content-Disposition"), fallbackName) };
}

/** View (new tab) or save a stored file. The tab is opened first, so popup blockers allow it. */
export async function openContent(documentId: string, fallbackName: string, mode: "view" | "download"): Promise<void> {
  const tab = mode === "view" ? window.open("", "_blank") : null;
  try {
    const { blob, fileName } = await fetchContent(documentId, fallbackName);
    const url = URL.createObjectURL(blob);
    if (tab) tab.location.href = url;
    else {
      const a = document.createElement("a");
      a.href = url;
      a.download = fileName;
      document.body.appendChild(a);
      a.click();
      a.remove();
    }
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  } catch (error) {
    tab?.close();
    throw error;
  }
}
