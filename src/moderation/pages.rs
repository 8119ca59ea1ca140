//! The staff's pages (`/admin`, `/admin/log`) and the moderation parts of other pages: the report
//! form every signed-in visitor gets on resource and release pages, the staff panel (take down,
//! restore, review) beside them, the staff's panel on profiles, and the reporter's own reports.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::api::{
    load_admin, moderation_log, my_reports, AdminData, ChangeReport, FileReport, GrantRole,
    LiftSuspension, Purge, Restore, ReviewRelease, RevokeRole, SuspendUser, TakeDown,
};
use super::{
    AccountStanding, Report, ReportReason, ReportStatus, SiteRole, Takedown, REASON_MAX,
    REPORT_DETAILS_MAX,
};
use crate::dates::format_date;
use crate::ui::{action_error, field_error, FormAlert, LoadError, PageError, TextArea};

/// What people call each report reason.
fn reason_label(reason: ReportReason) -> &'static str {
    match reason {
        ReportReason::Malware => "Malware: it harms players' or servers' machines",
        ReportReason::StolenContent => "Stolen content: someone else's work",
        ReportReason::Broken => "Broken: it does not work",
        ReportReason::Spam => "Spam",
        ReportReason::Other => "Something else",
    }
}

/// What people call each report status.
fn status_label(status: ReportStatus) -> &'static str {
    match status {
        ReportStatus::Open => "open",
        ReportStatus::Dismissed => "dismissed",
        ReportStatus::ActedOn => "acted on",
    }
}

/// The staff's actions on a resource or release page, made with the page so that its data is
/// loaded again after each.
#[derive(Clone, Copy)]
pub struct StaffActions {
    pub take_down: ServerAction<TakeDown>,
    pub restore: ServerAction<Restore>,
    pub review: ServerAction<ReviewRelease>,
    pub purge: ServerAction<Purge>,
}

impl StaffActions {
    pub fn new() -> StaffActions {
        StaffActions {
            take_down: ServerAction::new(),
            restore: ServerAction::new(),
            review: ServerAction::new(),
            purge: ServerAction::new(),
        }
    }

    /// Changes with every action taken, to key the page's data on.
    pub fn versions(&self) -> (usize, usize, usize, usize) {
        (
            self.take_down.version().get(),
            self.restore.version().get(),
            self.review.version().get(),
            self.purge.version().get(),
        )
    }
}

impl Default for StaffActions {
    fn default() -> Self {
        StaffActions::new()
    }
}

/// The staff's panel on a resource page (`version` `None`) or a release page: take it down with
/// a reason, or restore it (and for admins, purge its files); approve or decline a release
/// waiting for review.
#[component]
pub fn StaffPanel(
    /// `packages` or `assets`.
    kind: &'static str,
    name: String,
    version: Option<String>,
    takedown: Option<Takedown>,
    review_pending: bool,
    /// Whether it may be purged: it, or its resource, is taken down.
    purgeable: bool,
    /// The viewer's site role.
    role: SiteRole,
    actions: StaffActions,
) -> impl IntoView {
    let purge_error = action_error(actions.purge);
    let purged = move || actions.purge.value().get().and_then(Result::ok);
    let what = if version.is_some() {
        "release"
    } else {
        "resource"
    };
    let take_down_error = action_error(actions.take_down);
    let restore_error = action_error(actions.restore);
    let review_error = action_error(actions.review);
    // What each form acts on; a `Copy` closure, as every form of the panel repeats it.
    let target = StoredValue::new((name, version.clone().unwrap_or_default()));
    let hidden = move || {
        let (name, version) = target.get_value();
        view! {
            <input type="hidden" name="kind" value=kind />
            <input type="hidden" name="name" value=name />
            <input type="hidden" name="version" value=version />
        }
    };
    view! {
        <section class="panel stack staff-panel" aria-labelledby="staff-heading" data-testid="staff-panel">
            <h2 id="staff-heading">"Staff"</h2>
            {match takedown {
                Some(_) => view! {
                    <ActionForm action=actions.restore attr:class="stack" attr:aria-label=format!("Restore this {what}")>
                        <FormAlert error=restore_error />
                        {hidden()}
                        <div class="field">
                            <label for="restore-reason">"Why restore it (for the moderation log)"</label>
                            <input id="restore-reason" name="reason" type="text" maxlength=REASON_MAX />
                        </div>
                        <div><button type="submit" class="button">{format!("Restore this {what}")}</button></div>
                    </ActionForm>
                }.into_any(),
                None => ().into_any(),
            }}
            {(purgeable && role == SiteRole::Admin).then(|| view! {
                        <ActionForm action=actions.purge attr:class="stack" attr:aria-label="Purge the files">
                            <FormAlert error=purge_error />
                            {hidden()}
                            <p class="hint">{if what == "release" {
                                "Purging deletes this release and its file (unless another release shares it), for good."
                            } else {
                                "Purging deletes every release and each file no other release shares, for good. The resource stays taken down, keeping its name."
                            }}</p>
                            <div class="field">
                                <label for="purge-reason">"Why purge (for the moderation log)"</label>
                                <input id="purge-reason" name="reason" type="text" maxlength=REASON_MAX />
                            </div>
                            <div>
                                <button type="submit" class="button danger">"Purge the files"</button>
                                {move || purged().map(|n| view! { <span class="saved" role="status">{format!(" Purged {n} release{}.", if n == 1 { "" } else { "s" })}</span> })}
                            </div>
                        </ActionForm>
            })}
            {match takedown {
                Some(_) => ().into_any(),
                None => view! {
                    <ActionForm action=actions.take_down attr:class="stack" attr:aria-label=format!("Take this {what} down")>
                        <FormAlert error=take_down_error />
                        {hidden()}
                        <div class="field">
                            <label for="takedown-reason">"Reason (everyone who reaches it reads it)"</label>
                            <TextArea id="takedown-reason" name="reason" rows=2 text="" />
                            <p class="field-error" aria-live="polite">{move || field_error(take_down_error, "reason").get()}</p>
                        </div>
                        <label class="check"><input type="checkbox" name="legal" value="yes" />" For legal reasons (451 instead of 410)"</label>
                        <div><button type="submit" class="button danger">{format!("Take this {what} down")}</button></div>
                    </ActionForm>
                }.into_any(),
            }}
            {review_pending.then(|| view! {
                <h3>"Review"</h3>
                <FormAlert error=review_error />
                <ActionForm action=actions.review attr:class="inline-form" attr:aria-label="Approve this release">
                    {hidden()}
                    <input type="hidden" name="decision" value="approve" />
                    <button type="submit" class="button">"Approve and publish"</button>
                </ActionForm>
                <ActionForm action=actions.review attr:class="stack" attr:aria-label="Decline this release">
                    {hidden()}
                    <input type="hidden" name="decision" value="decline" />
                    <div class="field">
                        <label for="decline-reason">"Why decline it (the team reads it)"</label>
                        <TextArea id="decline-reason" name="reason" rows=2 text="" />
                        <p class="field-error" aria-live="polite">{move || field_error(review_error, "reason").get()}</p>
                    </div>
                    <div><button type="submit" class="button danger">"Decline"</button></div>
                </ActionForm>
            })}
        </section>
    }
}

/// The form that reports a resource, or one of its `versions`, to the staff; a log-in link for
/// visitors who are not signed in.
#[component]
pub fn ReportForm(
    /// `packages` or `assets`.
    kind: &'static str,
    name: String,
    /// The releases that may be reported, newest first; with one, it is the one reported.
    versions: Vec<String>,
    signed_in: bool,
) -> impl IntoView {
    let report = ServerAction::<FileReport>::new();
    let error = action_error(report);
    let filed = move || report.value().get().and_then(Result::ok);
    let here = match versions.as_slice() {
        [only] => format!("/{kind}/{name}/releases/{only}"),
        _ => format!("/{kind}/{name}"),
    };
    if !signed_in {
        return view! {
            <p class="muted report-link"><a href=crate::accounts::with_next("/login", Some(&here))>"Log in to report this"</a></p>
        }
        .into_any();
    }
    let single = versions.len() == 1;
    view! {
        <details class="report" data-testid="report" open=move || error.get().is_some()>
            <summary>"Report this"</summary>
            <ActionForm action=report attr:class="stack" attr:aria-label="Report to the store's staff">
                <FormAlert error=error />
                <input type="hidden" name="kind" value=kind />
                <input type="hidden" name="name" value=name />
                {if single {
                    view! { <input type="hidden" name="version" value=versions[0].clone() /> }.into_any()
                } else {
                    view! {
                        <div class="field">
                            <label for="report-version">"What"</label>
                            <select id="report-version" name="version">
                                <option value="">"The whole resource"</option>
                                {versions.iter().map(|v| view! { <option value=v.clone()>{format!("Release {v}")}</option> }).collect_view()}
                            </select>
                        </div>
                    }.into_any()
                }}
                <div class="field">
                    <label for="report-reason">"Why"</label>
                    <select id="report-reason" name="reason" required=true>
                        <option value="" selected=true disabled=true>"Choose a reason"</option>
                        {ReportReason::ALL.into_iter().map(|r| view! { <option value=r.as_str()>{reason_label(r)}</option> }).collect_view()}
                    </select>
                    <p class="field-error" aria-live="polite">{move || field_error(error, "reason").get()}</p>
                </div>
                <div class="field">
                    <label for="report-details">"Details (what is wrong, where)"</label>
                    <TextArea id="report-details" name="details" rows=3 text="" />
                    <p class="hint">{format!("Up to {REPORT_DETAILS_MAX} characters. Only the store's staff read it.")}</p>
                    <p class="field-error" aria-live="polite">{move || field_error(error, "details").get()}</p>
                </div>
                <div>
                    <button type="submit" class="button" disabled=report.pending()>"Send report"</button>
                    {move || filed().map(|_| view! {
                        <span class="saved" role="status">" Thank you: the staff will look at it. "<a href="/settings#my-reports">"Follow your reports"</a></span>
                    })}
                </div>
            </ActionForm>
        </details>
    }
    .into_any()
}

/// The signed-in user's reports and what became of them (on the settings page).
#[component]
pub fn MyReports() -> impl IntoView {
    let reports = Resource::new(|| (), |_| my_reports());
    view! {
        <section class="panel stack" id="my-reports" aria-labelledby="my-reports-heading" data-testid="my-reports">
            <h2 id="my-reports-heading">"Your reports"</h2>
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match reports.await {
                        Ok(list) if list.is_empty() => view! { <p class="muted">"You have not reported anything."</p> }.into_any(),
                        Ok(list) => view! {
                            <ul class="report-list">
                                {list.into_iter().map(|r| view! {
                                    <li>
                                        <a href=report_target(&r)>{report_subject(&r)}</a>
                                        {format!(" · {} · {}", r.reason.as_str(), format_date(r.created_at))}
                                        " " <span class=format!("badge report-{}", r.status.as_str())>{status_label(r.status)}</span>
                                        {r.resolution_note.clone().map(|note| view! { <p class="muted">"The staff: " {note}</p> })}
                                    </li>
                                }).collect_view()}
                            </ul>
                        }.into_any(),
                        Err(error) => view! { <PageError error /> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

/// The page of what a report is about.
fn report_target(report: &Report) -> String {
    match &report.version {
        Some(v) => format!("/{}/{}/releases/{v}", report.kind, report.resource),
        None => format!("/{}/{}", report.kind, report.resource),
    }
}

/// What a report is about, as text: `drift 1.2.0`.
fn report_subject(report: &Report) -> String {
    match &report.version {
        Some(v) => format!("{} {v}", report.resource),
        None => report.resource.clone(),
    }
}

/// `/admin`: the report queue (filtered by the address's `status`, `reason` and `mine`), the
/// releases waiting for review, recent uploads, and a search of users, teams and resources (`q`).
/// Wrapped in [`crate::accounts::pages::RequireSignIn`] by the router.
#[component]
pub fn AdminPage() -> impl IntoView {
    let query = use_query_map();
    let change = ServerAction::<ChangeReport>::new();
    let review = ServerAction::<ReviewRelease>::new();
    let overview = Resource::new(
        move || {
            let q = query.read();
            (
                q.get("status"),
                q.get("reason"),
                q.get("mine"),
                q.get("q"),
                change.version().get(),
                review.version().get(),
            )
        },
        |(status, reason, mine, q, ..)| load_admin(status, reason, mine, q),
    );
    view! {
        <Title text="Moderation" />
        <section class="stack-lg admin-page">
            <h1>"Moderation"</h1>
            <p><a href="/admin/log">"The moderation log"</a></p>
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match overview.await {
                        Ok(overview) => view! { <AdminSections overview change review /> }.into_any(),
                        Err(error) => view! { <LoadError error to="moderate" /> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn AdminSections(
    overview: AdminData,
    change: ServerAction<ChangeReport>,
    review: ServerAction<ReviewRelease>,
) -> impl IntoView {
    let query = use_query_map();
    let current = move |key: &str| query.read_untracked().get(key).unwrap_or_default();
    let (status, reason, mine, q) = (
        current("status"),
        current("reason"),
        current("mine"),
        current("q"),
    );
    let change_error = action_error(change);
    let review_error = action_error(review);
    let me = overview.me.clone();
    let found = overview.found.clone();
    let searched = !q.trim().is_empty();
    view! {
        <section class="panel stack" aria-labelledby="search-heading">
            <h2 id="search-heading">"Find users, teams and resources"</h2>
            <form method="get" action="/admin" class="inline-form" role="search">
                <label for="admin-q" class="visually-hidden">"Name or title"</label>
                <input id="admin-q" name="q" type="search" value=q.clone() placeholder="Name or title" />
                <button type="submit" class="button">"Search"</button>
            </form>
            {searched.then(|| view! {
                <div class="stack" data-testid="admin-found">
                    <h3>"Users"</h3>
                    {if found.users.is_empty() { view! { <p class="muted">"None."</p> }.into_any() } else { view! {
                        <ul>{found.users.iter().map(|u| view! {
                            <li>
                                <a href=format!("/u/{}", u.username)>{u.display_name.clone()}</a>
                                {format!(" @{}", u.username)}
                                {u.site_role.map(|r| view! { " " <span class="badge site-role">{r.as_str()}</span> })}
                                {u.suspended.then(|| view! { " " <span class="badge taken-down">"suspended"</span> })}
                            </li>
                        }).collect_view()}</ul>
                    }.into_any() }}
                    <h3>"Teams"</h3>
                    {if found.teams.is_empty() { view! { <p class="muted">"None."</p> }.into_any() } else { view! {
                        <ul>{found.teams.iter().map(|t| view! {
                            <li><a href=format!("/teams/{}", t.name)>{t.title.clone()}</a>{format!(" {}", t.name)}</li>
                        }).collect_view()}</ul>
                    }.into_any() }}
                    <h3>"Resources"</h3>
                    {if found.resources.is_empty() { view! { <p class="muted">"None."</p> }.into_any() } else { view! {
                        <ul>{found.resources.iter().map(|r| view! {
                            <li>
                                <a href=format!("/{}/{}", r.kind, r.name)>{r.title.clone()}</a>
                                {format!(" {} by {}", r.name, r.team)}
                                {r.taken_down.then(|| view! { " " <span class="badge taken-down">"taken down"</span> })}
                            </li>
                        }).collect_view()}</ul>
                    }.into_any() }}
                </div>
            })}
        </section>

        <section class="panel stack" aria-labelledby="reports-heading" data-testid="report-queue">
            <h2 id="reports-heading">"Reports"</h2>
            <form method="get" action="/admin" class="inline-form filters" aria-label="Filter the reports">
                <label for="filter-status">"Status"</label>
                <select id="filter-status" name="status">
                    <option value="" selected=status.is_empty()>"Any"</option>
                    {ReportStatus::ALL.into_iter().map(|s| view! { <option value=s.as_str() selected=status == s.as_str()>{status_label(s)}</option> }).collect_view()}
                </select>
                <label for="filter-reason">"Reason"</label>
                <select id="filter-reason" name="reason">
                    <option value="" selected=reason.is_empty()>"Any"</option>
                    {ReportReason::ALL.into_iter().map(|r| view! { <option value=r.as_str() selected=reason == r.as_str()>{reason_label(r)}</option> }).collect_view()}
                </select>
                <label class="check"><input type="checkbox" name="mine" value="yes" checked=!mine.is_empty() />" Assigned to me"</label>
                <input type="hidden" name="q" value=q.clone() />
                <button type="submit" class="button small">"Filter"</button>
            </form>
            <FormAlert error=change_error />
            {if overview.reports.is_empty() {
                view! { <p class="muted">"No reports here."</p> }.into_any()
            } else {
                view! {
                    <ul class="report-list">
                        {overview.reports.into_iter().map(|r| view! { <ReportItem report=r me=me.clone() change /> }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>

        <section class="panel stack" aria-labelledby="reviews-heading" data-testid="review-queue">
            <h2 id="reviews-heading">"Waiting for review"</h2>
            <FormAlert error=review_error />
            {if overview.reviews.is_empty() {
                view! { <p class="muted">"Nothing waits for review."</p> }.into_any()
            } else {
                view! {
                    <ul class="report-list">
                        {overview.reviews.into_iter().map(|item| {
                            let page = format!("/{}/{}/releases/{}", item.kind, item.resource, item.version);
                            let label = format!("Approve {} {}", item.resource, item.version);
                            view! {
                                <li>
                                    <a href=page>{format!("{} {}", item.resource, item.version)}</a>
                                    {format!(" · {} · by {} (team {}) · {}", item.channel.as_str(), item.uploaded_by, item.team, format_date(item.created_at))}
                                    <ActionForm action=review attr:class="inline-form" attr:aria-label=label>
                                        <input type="hidden" name="kind" value=item.kind.clone() />
                                        <input type="hidden" name="name" value=item.resource.clone() />
                                        <input type="hidden" name="version" value=item.version.clone() />
                                        <input type="hidden" name="decision" value="approve" />
                                        <button type="submit" class="button small">"Approve and publish"</button>
                                    </ActionForm>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                    <p class="hint">"To decline, open the release: the reason goes to its team."</p>
                }.into_any()
            }}
        </section>

        <section class="panel stack" aria-labelledby="recent-heading">
            <h2 id="recent-heading">"Recent uploads"</h2>
            <table class="table stacked-table">
                <thead><tr><th scope="col">"Release"</th><th scope="col">"Team"</th><th scope="col">"By"</th><th scope="col">"State"</th><th scope="col">"Uploaded"</th></tr></thead>
                <tbody>
                    {overview.recent.into_iter().map(|u| view! {
                        <tr>
                            <td data-label="Release"><a href=format!("/{}/{}/releases/{}", u.kind, u.resource, u.version)>{format!("{} {}", u.resource, u.version)}</a>
                                {u.taken_down.then(|| view! { " " <span class="badge taken-down">"taken down"</span> })}</td>
                            <td data-label="Team">{u.team.clone()}</td>
                            <td data-label="By">{u.uploaded_by.clone()}</td>
                            <td data-label="State">{u.state.clone()}</td>
                            <td data-label="Uploaded">{format_date(u.created_at)}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </section>
    }
}

/// One report of the queue, with its actions: take it, resolve it with a note, or reopen it.
#[component]
fn ReportItem(report: Report, me: String, change: ServerAction<ChangeReport>) -> impl IntoView {
    let id = StoredValue::new(report.id.clone());
    let note_id = format!("note-{}", report.id);
    let open = report.status == ReportStatus::Open;
    let mine = report.assignee.as_deref() == Some(me.as_str());
    let subject = report_subject(&report);
    view! {
        <li class="report-item" data-testid="report-item">
            <p>
                <strong>{report.reason.as_str()}</strong> " · "
                <a href=report_target(&report)>{report_subject(&report)}</a>
                {format!(" · {} · by {}", format_date(report.created_at), report.reporter.clone().unwrap_or_else(|| "a deleted account".into()))}
                " " <span class=format!("badge report-{}", report.status.as_str())>{status_label(report.status)}</span>
                {report.assignee.clone().map(|a| format!(" · assigned to {a}"))}
            </p>
            {(!report.details.is_empty()).then(|| view! { <p class="report-details">{report.details.clone()}</p> })}
            {report.resolution_note.clone().map(|note| view! { <p class="muted">"Outcome: " {note}</p> })}
            {if open {
                view! {
                    {(!mine).then(|| view! {
                        <ActionForm action=change attr:class="inline-form" attr:aria-label=format!("Assign the report on {subject} to me")>
                            <input type="hidden" name="id" value=id.get_value() />
                            <input type="hidden" name="take" value="yes" />
                            <button type="submit" class="button small">"Assign to me"</button>
                        </ActionForm>
                    })}
                    <ActionForm action=change attr:class="stack" attr:aria-label=format!("Resolve the report on {subject}")>
                        <input type="hidden" name="id" value=id.get_value() />
                        <div class="field">
                            <label for=note_id.clone()>"Outcome (the reporter reads it)"</label>
                            <TextArea id=note_id.clone() name="note" rows=2 text="" />
                        </div>
                        <div class="inline-form">
                            <label for=format!("{note_id}-status") class="visually-hidden">"Resolution"</label>
                            <select id=format!("{note_id}-status") name="status">
                                <option value="acted-on">"Acted on"</option>
                                <option value="dismissed">"Dismissed"</option>
                            </select>
                            <button type="submit" class="button small">"Resolve"</button>
                        </div>
                    </ActionForm>
                }.into_any()
            } else {
                view! {
                    <ActionForm action=change attr:class="inline-form" attr:aria-label=format!("Reopen the report on {subject}")>
                        <input type="hidden" name="id" value=id.get_value() />
                        <input type="hidden" name="status" value="open" />
                        <button type="submit" class="button small">"Reopen"</button>
                    </ActionForm>
                }.into_any()
            }}
        </li>
    }
}

/// `/admin/log`: the newest entries of the moderation log (staff only). Wrapped in
/// [`crate::accounts::pages::RequireSignIn`] by the router.
#[component]
pub fn ModerationLogPage() -> impl IntoView {
    let entries = Resource::new(|| (), |_| moderation_log());
    view! {
        <Title text="Moderation log" />
        <section class="stack-lg">
            <h1>"Moderation log"</h1>
            <p><a href="/admin">"← Moderation"</a></p>
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match entries.await {
                        Ok(entries) => view! { <LogTable entries /> }.into_any(),
                        Err(error) => view! { <LoadError error to="read the moderation log" /> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

/// Entries of the moderation log as a table.
#[component]
pub fn LogTable(entries: Vec<super::LogEntry>) -> impl IntoView {
    if entries.is_empty() {
        return view! { <p class="muted">"Nothing yet."</p> }.into_any();
    }
    view! {
        <table class="table stacked-table" data-testid="moderation-log">
            <thead><tr><th scope="col">"When"</th><th scope="col">"Who"</th><th scope="col">"What"</th><th scope="col">"Subject"</th><th scope="col">"Why"</th></tr></thead>
            <tbody>
                {entries.into_iter().map(|e| view! {
                    <tr>
                        <td data-label="When">{format_date(e.created_at)}</td>
                        <td data-label="Who">{e.actor}</td>
                        <td data-label="What">{e.action}</td>
                        <td data-label="Subject">{e.subject}</td>
                        <td data-label="Why">{e.reason}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

/// The staff's actions on an account, made with the profile page so that it loads again after
/// each.
#[derive(Clone, Copy)]
pub struct AccountActions {
    pub suspend: ServerAction<SuspendUser>,
    pub lift: ServerAction<LiftSuspension>,
    pub grant: ServerAction<GrantRole>,
    pub revoke: ServerAction<RevokeRole>,
}

impl AccountActions {
    pub fn new() -> AccountActions {
        AccountActions {
            suspend: ServerAction::new(),
            lift: ServerAction::new(),
            grant: ServerAction::new(),
            revoke: ServerAction::new(),
        }
    }

    /// Changes with every action taken, to key the page's data on.
    pub fn versions(&self) -> (usize, usize, usize, usize) {
        (
            self.suspend.version().get(),
            self.lift.version().get(),
            self.grant.version().get(),
            self.revoke.version().get(),
        )
    }
}

impl Default for AccountActions {
    fn default() -> Self {
        AccountActions::new()
    }
}

/// The staff's panel on a profile: the account's suspension (suspend, lift), and for admins its
/// site role (`role`: grant, revoke).
#[component]
pub fn AccountPanel(
    username: String,
    role: Option<SiteRole>,
    standing: AccountStanding,
    actions: AccountActions,
) -> impl IntoView {
    let suspend_error = action_error(actions.suspend);
    let lift_error = action_error(actions.lift);
    let grant_error = action_error(actions.grant);
    let revoke_error = action_error(actions.revoke);
    let user = username.clone();
    let revoked_user = username.clone();
    view! {
        <section class="panel stack staff-panel" aria-labelledby="staff-heading" data-testid="staff-panel">
            <h2 id="staff-heading">"Staff"</h2>
            {match standing.suspension.clone() {
                Some(s) => view! {
                    <p class="alert error" data-testid="suspension">{suspension_note(&s)}</p>
                    <ActionForm action=actions.lift attr:class="stack" attr:aria-label="Lift the suspension">
                        <FormAlert error=lift_error />
                        <input type="hidden" name="username" value=user.clone() />
                        <div class="field">
                            <label for="lift-reason">"Why (for the moderation log)"</label>
                            <input id="lift-reason" name="reason" type="text" maxlength=REASON_MAX />
                        </div>
                        <div><button type="submit" class="button">"Lift the suspension"</button></div>
                    </ActionForm>
                }.into_any(),
                None => view! {
                    <ActionForm action=actions.suspend attr:class="stack" attr:aria-label="Suspend the account">
                        <FormAlert error=suspend_error />
                        <input type="hidden" name="username" value=user.clone() />
                        <div class="field">
                            <label for="suspend-reason">"Reason (the account is told)"</label>
                            <TextArea id="suspend-reason" name="reason" rows=2 text="" />
                            <p class="field-error" aria-live="polite">{move || field_error(suspend_error, "reason").get()}</p>
                        </div>
                        <div class="field">
                            <label for="suspend-days">"For how many days (blank: for good)"</label>
                            <input id="suspend-days" name="days" type="number" min="1" max=super::api::SUSPENSION_DAYS_MAX />
                            <p class="field-error" aria-live="polite">{move || field_error(suspend_error, "days").get()}</p>
                        </div>
                        <div><button type="submit" class="button danger">"Suspend"</button></div>
                    </ActionForm>
                }.into_any(),
            }}
            {(standing.viewer_role == SiteRole::Admin).then(|| view! {
                <h3>"Site role"</h3>
                <FormAlert error=grant_error />
                <FormAlert error=revoke_error />
                <ActionForm action=actions.grant attr:class="inline-form" attr:aria-label="Grant a site role">
                    <input type="hidden" name="username" value=username.clone() />
                    <label for="grant-role">"Role"</label>
                    <select id="grant-role" name="role">
                        {SiteRole::ALL.into_iter().rev().map(|r| view! { <option value=r.as_str() selected=role == Some(r)>{r.as_str()}</option> }).collect_view()}
                    </select>
                    <button type="submit" class="button small">"Grant"</button>
                </ActionForm>
                {role.is_some().then(|| view! {
                    <ActionForm action=actions.revoke attr:class="inline-form" attr:aria-label="Revoke the site role">
                        <input type="hidden" name="username" value=revoked_user.clone() />
                        <button type="submit" class="button small danger">"Revoke the role"</button>
                    </ActionForm>
                })}
            })}
        </section>
    }
}

/// What a suspension says, as the staff read it.
fn suspension_note(suspension: &super::Suspension) -> String {
    match suspension.ends_at {
        Some(ends_at) => format!(
            "Suspended until {}: {}",
            format_date(ends_at),
            suspension.reason
        ),
        None => format!("Suspended for good: {}", suspension.reason),
    }
}
