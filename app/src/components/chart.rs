//! The dashboard's charts, drawn in SVG from the data: money in vs out per week, and cash
//! over time.

use leptos::prelude::*;

use super::format::{cents, money, money_from_cents};
use cashflow_api::banking::{CashSeriesView, WeekFlowView};

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 220.0;
const LEFT: f64 = 48.0;
const BOTTOM: f64 = 24.0;
const TOP: f64 = 10.0;

/// Bars per week in one currency (one chart per currency).
#[component]
pub fn CashFlowChart(currency: String, weeks: Vec<WeekFlowView>) -> AnyView {
    let code = Some(currency.as_str()).filter(|c| !c.is_empty());
    let value = |s: &str| s.parse::<f64>().unwrap_or(0.0);
    let max = weeks.iter().flat_map(|w| [value(&w.money_in), value(&w.money_out)]).fold(0.0_f64, f64::max).max(1.0);
    let plot_h = HEIGHT - BOTTOM - TOP;
    let slot = (WIDTH - LEFT) / weeks.len().max(1) as f64;
    let bar = (slot * 0.38).max(2.0);
    let y = move |v: f64| TOP + plot_h - v / max * plot_h;
    // Totals in exact cents; f64 is only for bar heights.
    let total_in: i64 = weeks.iter().filter_map(|w| cents(&w.money_in)).sum();
    let total_out: i64 = weeks.iter().filter_map(|w| cents(&w.money_out)).sum();
    let title_id = format!("cash-flow-title-{}", currency.to_ascii_lowercase());
    let bars = weeks
        .iter()
        .enumerate()
        .map(|(i, w)| {
            let x = LEFT + i as f64 * slot + slot * 0.1;
            let (vin, vout) = (value(&w.money_in), value(&w.money_out));
            let label = (i % 2 == 0).then(|| w.week_start.get(5..).unwrap_or("").replace('-', "/"));
            view! {
                <g>
                    <rect class="bar-in" x=x y=y(vin) width=bar height=(plot_h - (y(vin) - TOP)).max(0.0)>
                        <title>{format!("Week of {}: in {}", w.week_start, money(&w.money_in, code))}</title>
                    </rect>
                    <rect class="bar-out" x=x + bar y=y(vout) width=bar height=(plot_h - (y(vout) - TOP)).max(0.0)>
                        <title>{format!("Week of {}: out {}", w.week_start, money(&w.money_out, code))}</title>
                    </rect>
                    {label.map(|l| view! { <text x=x y=HEIGHT - 6.0>{l}</text> })}
                </g>
            }
        })
        .collect_view();
    view! {
       <figure class="chart" aria-labelledby=title_id.clone() data-currency=currency.clone()>
           <figcaption id=title_id.clone() class="row">
               <strong>"Money in vs out, per week" {(code.is_some_and(|c| c != "USD")).then(|| format!(" ({currency})"))}</strong>
               <span class="legend">
                   <span><i style="background: var(--in)"></i>"In " {money_from_cents(total_in, code)}</span>
                   <span><i style="background: var(--out)"></i>"Out " {money_from_cents(total_out, code)}</span>
               </span>
           </figcaption>
           <svg viewBox=format!("0 0 {WIDTH} {HEIGHT}") role="img" aria-label="Cash flow chart" data-weeks=weeks.len()>
               <line class="axis" x1=LEFT y1=TOP + plot_h x2=WIDTH y2=TOP + plot_h></line>
               <text x=0 y=TOP + 8.0>{money(&format!("{max:.0}"), code).replace(".00", "")}</text>
               <text x=0 y=TOP + plot_h>{money("0", code).replace(".00", "")}</text>
               {bars}
           </svg>
       </figure>
    }
    .into_any()
}

/// Total cash per day in one currency, as a line (one chart per currency).
#[component]
pub fn CashHistoryChart(series: CashSeriesView) -> AnyView {
    let currency = series.currency.clone();
    let code = Some(currency.as_str()).filter(|c| !c.is_empty());
    let values: Vec<f64> = series.points.iter().map(|p| p.amount.parse::<f64>().unwrap_or(0.0)).collect();
    let low = values.iter().copied().fold(f64::INFINITY, f64::min).min(0.0);
    let high = values.iter().copied().fold(f64::NEG_INFINITY, f64::max).max(low + 1.0);
    let plot_h = HEIGHT - BOTTOM - TOP;
    let step = (WIDTH - LEFT) / (values.len().max(2) - 1) as f64;
    let y = |v: f64| TOP + plot_h - (v - low) / (high - low) * plot_h;
    let line = values
        .iter()
        .enumerate()
        .map(|(i, v)| format!("{:.1},{:.1}", LEFT + i as f64 * step, y(*v)))
        .collect::<Vec<_>>()
        .join(" ");
    let (first, last) = (series.points.first().cloned(), series.points.last().cloned());
    let summary = match (&first, &last) {
        (Some(f), Some(l)) => format!(
            "Total cash from {} on {} to {} on {}",
            money(&f.amount, code),
            f.date,
            money(&l.amount, code),
            l.date
        ),
        _ => "No balances on record yet".to_string(),
    };
    let end =
        last.as_ref().map(|l| (LEFT + (values.len().max(1) - 1) as f64 * step, y(values[values.len() - 1]), l.clone()));
    let title_id = format!("cash-history-title-{}", currency.to_ascii_lowercase());
    let axis_label = |v: f64| money(&format!("{v:.0}"), code).replace(".00", "");
    view! {
        <figure class="chart" aria-labelledby=title_id.clone() data-history-currency=currency.clone()>
            <figcaption id=title_id.clone() class="row">
                <strong>"Total cash" {code.filter(|c| *c != "USD").map(|c| format!(" ({c})"))}</strong>
                <span class="muted" data-testid="cash-history-latest">{last.as_ref().map(|l| money(&l.amount, code))}</span>
            </figcaption>
            <svg viewBox=format!("0 0 {WIDTH} {HEIGHT}") role="img" aria-label=summary data-points=values.len()>
                <line class="axis" x1=LEFT y1=TOP + plot_h x2=WIDTH y2=TOP + plot_h></line>
                <text x=0 y=TOP + 8.0>{axis_label(high)}</text>
                <text x=0 y=TOP + plot_h>{axis_label(low)}</text>
                {first.map(|f| view! { <text x=LEFT y=HEIGHT - 6.0>{f.date}</text> })}
                <polyline class="cash-line" points=line></polyline>
                {end.map(|(x, y, l)| view! {
                    <circle class="cash-dot" cx=x cy=y r=3>
                        <title>{format!("{}: {}", l.date, money(&l.amount, code))}</title>
                    </circle>
                    <text x=(x - 60.0).max(LEFT) y=HEIGHT - 6.0>{l.date}</text>
                })}
            </svg>
        </figure>
    }
    .into_any()
}
