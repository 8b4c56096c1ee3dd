// One message of the dashboard's catalogue, in both languages, and a room's section of them.
// Apart from catalogue.ts, which imports every section: sections name these types from here.
export interface Message {
  fr: string;
  en: string;
}
export type MessageSection = Record<string, Message>;
