// pdfmake 0.3.11 ships no type declarations; this is the small part of its Node API the tests use.
declare module 'pdfmake' {
  interface PdfMakeNodeOutput {
    getBuffer(): Promise<Buffer>
  }
  interface PdfMakeNode {
    virtualfs: { writeFileSync(name: string, content: Buffer): void }
    setFonts(fonts: Record<string, Record<string, string>>): void
    setUrlAccessPolicy(callback: (url: string) => boolean): void
    setLocalAccessPolicy(callback: (path: string) => boolean): void
    createPdf(doc: object, options?: object): PdfMakeNodeOutput
  }
  const pdfmake: PdfMakeNode
  export default pdfmake
}
