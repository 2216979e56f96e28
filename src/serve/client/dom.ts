// Building the page's elements: text always goes in as text (no innerHTML anywhere), so no sweep name or config can
// become markup.

type Child = Node | string | number | null | undefined | false;

/** Attributes and properties of an element made by h(). */
export interface Props {
  class?: string;
  id?: string;
  title?: string;
  href?: string;
  hidden?: boolean;
  /** data-* attributes, without the prefix. */
  data?: Record<string, string | number>;
  /** Other attributes (aria-*, type, scope, ...). */
  attrs?: Record<string, string>;
  on?: Partial<{ [E in keyof HTMLElementEventMap]: (event: HTMLElementEventMap[E]) => void }>;
}

/** An element with its props and children; strings and numbers become text nodes. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: Props = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  if (props.class !== undefined) element.className = props.class;
  if (props.id !== undefined) element.id = props.id;
  if (props.title !== undefined) element.title = props.title;
  if (props.href !== undefined) element.setAttribute('href', props.href);
  if (props.hidden) element.hidden = true;
  for (const [key, value] of Object.entries(props.data ?? {})) element.dataset[key] = String(value);
  for (const [key, value] of Object.entries(props.attrs ?? {})) element.setAttribute(key, value);
  for (const [type, listener] of Object.entries(props.on ?? {})) element.addEventListener(type, listener as EventListener);
  append(element, ...children);
  return element;
}

/** Appends children, skipping null, undefined and false. */
export function append(parent: Node, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : child);
  }
}

/** Replaces an element's children. */
export function replace(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, ...children);
}

/** The element with this id; the page's own skeleton always has it. */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (element === null) throw new Error(`the page has no #${id}`);
  return element as T;
}

/** "12:03:04" in the viewer's clock. */
export function clock(iso: string): string {
  return new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
}
