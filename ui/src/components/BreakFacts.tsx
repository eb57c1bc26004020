import type { BreakDto, ProfileDto } from "../api";
import { groupDigits, utcText } from "./format";

/** The break as imported, and the classifier's profile. */
export function BreakFacts({ brk, profile }: { brk: BreakDto; profile: ProfileDto | null }) {
  const side = (s: BreakDto["internal"]) => [s.reference, s.amount && `amount ${groupDigits(s.amount)}`, s.quantity && `qty ${s.quantity}`, s.price && `@ ${s.price}`, s.settle_date && `settles ${s.settle_date}`].filter(Boolean).join(" · ") || "—";
  return (
    <div className="grid2">
      <div className="panel">
        <h2>Break</h2>
        <dl className="kv">
          <dt>Type</dt><dd>{brk.break_type}</dd>
          <dt>Amount</dt><dd className="num">{groupDigits(brk.amount)} {brk.currency}</dd>
          <dt>Counterparty</dt><dd>{brk.counterparty ?? "—"}</dd>
          <dt>Instrument</dt><dd>{brk.instrument_id ?? "—"} {brk.asset_class && `(${brk.asset_class})`}</dd>
          <dt>Internal</dt><dd>{side(brk.internal)}</dd>
          <dt>External</dt><dd>{side(brk.external)}</dd>
          <dt>Detected</dt><dd>{utcText(brk.detected_at)}</dd>
          <dt>Description</dt><dd>{brk.description ?? "—"}</dd>
        </dl>
      </div>
      <div className="panel" data-testid="profile">
        <h2>Profile</h2>
        {profile ? (
          <dl className="kv">
            <dt>Exposure</dt><dd><span className="num">{groupDigits(profile.exposure)} {profile.base_currency}</span> <span className="muted">{profile.exposure_basis}</span></dd>
            <dt>Tier</dt><dd><span className={`tag ${profile.tier}`}>{profile.tier}</span> (by exposure {profile.exposure_tier})</dd>
            <dt>Age</dt><dd>{profile.age_days} days</dd>
            <dt>Materiality</dt><dd>{profile.materiality} / 100</dd>
            <dt>Urgency</dt><dd>{profile.urgency} / 100</dd>
            <dt>Hints</dt><dd>{profile.hints.length ? profile.hints.join(", ") : "none"}</dd>
          </dl>
        ) : (
          <p className="muted">Classified when processed.</p>
        )}
      </div>
    </div>
  );
}
