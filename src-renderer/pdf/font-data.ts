import normal from 'dejavu-fonts-ttf/ttf/DejaVuSans.ttf?inline'
import bold from 'dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf?inline'
import italics from 'dejavu-fonts-ttf/ttf/DejaVuSans-Oblique.ttf?inline'
import bolditalics from 'dejavu-fonts-ttf/ttf/DejaVuSans-BoldOblique.ttf?inline'
import { PDF_FONT_FILES } from './fonts'

/** Vite inlines the fonts as data URLs; pdfmake's virtual file system wants the bare base64. */
function base64Of(dataUrl: string): string {
  return dataUrl.slice(dataUrl.indexOf(',') + 1)
}

/** The DejaVu Sans files, bundled (2.7 MB): loaded with pdfmake on the first PDF, never fetched at run time. */
export const FONT_VFS: Record<string, string> = {
  [PDF_FONT_FILES.normal]: base64Of(normal),
  [PDF_FONT_FILES.bold]: base64Of(bold),
  [PDF_FONT_FILES.italics]: base64Of(italics),
  [PDF_FONT_FILES.bolditalics]: base64Of(bolditalics),
}
