// What the template function renders for each channel: its render route's
// answer and what the workers send, declared once for both sides.

export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
}

export interface RenderedPush {
  title: string;
  body: string;
  image?: string;
  url?: string;
  icon?: string;
  data?: Record<string, string>;
}

export interface RenderedInApp {
  title: string;
  body: string;
  action_url?: string;
  avatar_url?: string;
  data?: Record<string, string>;
}

export type RenderedContent = RenderedEmail | RenderedPush | RenderedInApp;
