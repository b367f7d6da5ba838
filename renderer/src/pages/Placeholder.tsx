export function Placeholder({ title, what }: { title: string; what: string }) {
  return (
    <section>
      <h1>{title}</h1>
      <p className="muted">This page ({what}) is not built yet in this version.</p>
    </section>
  );
}
