// pdfmake 0.3.11 ships no type declarations; this is the small part of its browser build Chevet uses.
declare module 'pdfmake/build/pdfmake' {
  interface PdfMakeOutput {
    getBuffer(): Promise<Uint8Array>
  }
  interface PdfMakeBrowser {
    addVirtualFileSystem(vfs: Record<string, string>): void
    setFonts(fonts: Record<string, Record<string, string>>): void
    setUrlAccessPolicy(callback: (url: string) => boolean): void
    createPdf(doc: object, options?: object): PdfMakeOutput
  }
  const pdfMake: PdfMakeBrowser
  export default pdfMake
}
