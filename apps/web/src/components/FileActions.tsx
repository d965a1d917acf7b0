/** "View" and "Download" for a stored file (Document), with an inline error when it fails. */
import { useState } from "react";
import { DownloadError, openContent } from "../lib/download";
import { useI18n } from "../lib/i18n/react";

export interface StoredFile {
  id: string;
  fileName: string;
  mediaType: string;
}

export function FileActions({ file }: { file: StoredFile }) {
  const { t } = useI18n();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const run = async (mode: "view" | "download") => {
    setBusy(true);
    setError(null);
    try {
      await openContent(file.id, file.fileName, mode);
    } catch (e) {
      const status = e instanceof DownloadError ? e.status : 0;
      setError(status === 404 || status === 403 ? t("files.notAvailable") : status === 0 ? t("error.network") : t("files.failed"));
    } finally {
      setBusy(false);
    }
  };
  const viewable = file.mediaType === "application/pdf" || file.mediaType.startsWith("text/") || file.mediaType.startsWith("image/");
  return (
    <span className="file-actions">
      {viewable && (
        <button type="button" className="secondary small" disabled={busy} onClick={() => run("view")} aria-label={t("files.viewNamed", { name: file.fileName })}>
          {t("files.view")}
        </button>
      )}
      <button type="button" className="secondary small" disabled={busy} onClick={() => run("download")} aria-label={t("files.downloadNamed", { name: file.fileName })}>
        {t("files.download")}
      </button>
      {error && (
        <span role="alert" className="error">
          {error}
        </span>
      )}
    </span>
  );
}
