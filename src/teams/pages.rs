//! Team pages: `/teams`, `/teams/{name}`, `/teams/{name}/settings`, and the inline team creator.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_navigate;

use super::api::{
    load_team, my_invitations, my_teams, team_audit, team_invitations, AcceptInvitation,
    ChangeMemberRole, CreateTeam, DeclineInvitation, DeleteTeam, InviteMember, RemoveTeamMember,
    UpdateTeam, WithdrawInvitation,
};
use super::{AuditEntry, Invitation, Member, Role, TeamPage};
use crate::accounts::auth::use_auth;
use crate::dates::format_date;
use crate::moderation::api::load_team_log;
use crate::moderation::pages::LogTable;
use crate::resources::pages::ResourceIcon;
use crate::ui::{
    action_error, field_error, route_param, Field, FormAlert, LoadError, NotFound, TextArea,
};

/// A small form that creates a team; the upload wizard embeds it. Calls `on_created` with the new
/// team's name.
#[component]
pub fn CreateTeamForm(#[prop(into)] on_created: Callback<String>) -> impl IntoView {
    let create = ServerAction::<CreateTeam>::new();
    let error = action_error(create);
    Effect::new(move |_| {
        if let Some(Ok(name)) = create.value().get() {
            on_created.run(name);
        }
    });
    view! {
        <ActionForm action=create attr:class="stack" attr:aria-label="Create a team">
            <FormAlert error=error />
            <Field
                label="Team name"
                name="name"
                hint="Lowercase letters, digits and '-'. It is the team's address: /teams/name."
                pattern="[a-z0-9\\-]{1,64}"
                maxlength=64
                error=field_error(error, "name")
            />
            <Field label="Title" name="title" maxlength=super::TITLE_MAX error=field_error(error, "title") />
            <button type="submit" class="button" disabled=create.pending()>"Create team"</button>
        </ActionForm>
    }
}

/// `/teams`: my invitations (accept or decline), my teams, and a form to create one. Wrapped in
/// [`crate::accounts::pages::RequireSignIn`] by the router.
#[component]
pub fn TeamsPage() -> impl IntoView {
    let auth = use_auth();
    let navigate = use_navigate();
    let accept = ServerAction::<AcceptInvitation>::new();
    let decline = ServerAction::<DeclineInvitation>::new();
    let answers = move || (accept.version().get(), decline.version().get());
    let teams = Resource::new(
        move || (auth.user.get().map(|_| ()), answers()),
        |_| my_teams(),
    );
    let invitations = Resource::new(answers, |_| my_invitations());
    let on_created =
        Callback::new(move |name: String| navigate(&format!("/teams/{name}"), Default::default()));
    let accept_error = action_error(accept);
    let decline_error = action_error(decline);
    view! {
        <Title text="Teams" />
        <section class="stack-lg">
            <h1>"Teams"</h1>
            <p class="lead">"Teams hold resources. Members share the work with a role each: owner, admin, developer or member."</p>
            <FormAlert error=accept_error />
            <FormAlert error=decline_error />
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    let list = invitations.await.unwrap_or_default();
                    (!list.is_empty()).then(|| view! {
                        <section class="panel stack" aria-labelledby="invitations-heading">
                            <h2 id="invitations-heading">"Invitations"</h2>
                            <ul class="invitations">
                                {list.into_iter().map(|invitation| view! { <InvitationItem invitation accept decline /> }).collect_view()}
                            </ul>
                        </section>
                    })
                })}
            </Transition>
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match teams.await {
                        Ok(list) => view! {
                            <h2>"Your teams"</h2>
                            {if list.is_empty() {
                                view! { <p class="muted">"You are not in any team yet."</p> }.into_any()
                            } else {
                                view! {
                                    <ul class="team-list" data-testid="my-teams">
                                        {list.into_iter().map(|t| view! {
                                            <li>
                                                <a href=format!("/teams/{}", t.name)>{t.title.clone()}</a>
                                                " " <span class="muted">{t.name.clone()}</span>
                                                " " <span class=format!("badge role-{}", t.role.as_str())>{t.role.as_str()}</span>
                                            </li>
                                        }).collect_view()}
                                    </ul>
                                }.into_any()
                            }}
                            <div class="panel">
                                <h2>"Create a team"</h2>
                                <CreateTeamForm on_created=on_created />
                            </div>
                        }.into_any(),
                        Err(e) => view! { <LoadError error=e to="see and create teams" /> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

/// One invitation with its Accept and Decline buttons (plain forms, so they work without
/// JavaScript too).
#[component]
fn InvitationItem(
    invitation: Invitation,
    accept: ServerAction<AcceptInvitation>,
    decline: ServerAction<DeclineInvitation>,
) -> impl IntoView {
    let testid = format!("invitation-{}", invitation.team);
    let team_page = format!("/teams/{}", invitation.team);
    let explained = format!(
        "A {}: {}",
        invitation.role.as_str(),
        invitation.role.description()
    );
    let (for_accept, for_decline) = (invitation.team.clone(), invitation.team.clone());
    view! {
        <li class="invitation" data-testid=testid>
            <p>
                <strong>{invitation.invited_by.clone()}</strong>
                " invites you to join "
                <a href=team_page>{invitation.team_title.clone()}</a>
                " as " <span class=format!("badge role-{}", invitation.role.as_str())>{invitation.role.as_str()}</span>
                " (" {format_date(invitation.created_at)} ")"
            </p>
            <p class="hint">{explained}</p>
            <div class="actions">
                <ActionForm action=accept attr:class="inline-form">
                    <input type="hidden" name="team" value=for_accept />
                    <button type="submit" class="button small">"Accept"</button>
                </ActionForm>
                <ActionForm action=decline attr:class="inline-form">
                    <input type="hidden" name="team" value=for_decline />
                    <button type="submit" class="button-link">"Decline"</button>
                </ActionForm>
            </div>
        </li>
    }
}

/// `/teams/{name}`: a team's public page.
#[component]
pub fn TeamPublicPage() -> impl IntoView {
    let name = route_param("name");
    let team = Resource::new(name, load_team);
    // The staff's entries about the team, for its members and the staff (`None` for others).
    let moderation = Resource::new(name, load_team_log);
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                let moderation = moderation.await.ok().flatten();
                match team.await {
                    Ok(Some(page)) => view! {
                        <TeamOverview page />
                        {moderation.map(|entries| view! {
                            <section class="stack" aria-labelledby="team-moderation" data-testid="team-moderation">
                                <h2 id="team-moderation">"What the store's staff did"</h2>
                                <p class="hint">"Takedowns, reviews, yanks and purges of the team's resources, with why. Only the team and the staff see this."</p>
                                <LogTable entries />
                            </section>
                        })}
                    }.into_any(),
                    Ok(None) => view! { <NotFound /> }.into_any(),
                    Err(e) => view! { <p class="alert error" role="alert">{e.message}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn TeamOverview(page: TeamPage) -> impl IntoView {
    let team = page.team;
    let settings = page
        .viewer_role
        .map(|_| format!("/teams/{}/settings", team.name));
    view! {
        <Title text=team.title.clone() />
        <section class="stack-lg">
            <header>
                <h1>{team.title.clone()}</h1>
                <p class="muted">{team.name.clone()} " · created " {format_date(team.created_at)}</p>
                {settings.map(|href| view! { <a class="button small" href=href>"Team settings"</a> })}
            </header>
            <div class="markdown" inner_html=page.description_html></div>
            <h2>"Members"</h2>
            <details class="roles-details">
                <summary>"What each role may do"</summary>
                <RolesExplained />
            </details>
            <ul class="member-list">
                {team.members.into_iter().map(|m| view! {
                    <li>
                        <a href=format!("/u/{}", m.username)>{m.display_name.clone()}</a>
                        " " <span class=format!("badge role-{}", m.role.as_str())>{m.role.as_str()}</span>
                    </li>
                }).collect_view()}
            </ul>
            <h2>"Resources"</h2>
            {if page.resources.is_empty() {
                view! { <p class="muted">"This team has no resources yet."</p> }.into_any()
            } else {
                view! {
                    <ul class="team-list">
                        {page.resources.into_iter().map(|r| view! {
                            <li class="related">
                                <ResourceIcon icon=r.icon.clone() title=r.title.clone() />
                                <a href=format!("/{}/{}", crate::resources::path_of_kind(r.kind), r.name)>{r.title.clone()}</a>
                                " " <span class="muted mono">{r.name.clone()}</span>
                                " " <span class="badge">{r.category.clone()}</span>
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
}

/// `/teams/{name}/settings`: edit the team, manage members, leave or delete it, read the audit log.
#[component]
pub fn TeamSettingsPage() -> impl IntoView {
    let name = route_param("name");
    let update = ServerAction::<UpdateTeam>::new();
    let add = ServerAction::<InviteMember>::new();
    let withdraw = ServerAction::<WithdrawInvitation>::new();
    let change = ServerAction::<ChangeMemberRole>::new();
    let remove = ServerAction::<RemoveTeamMember>::new();
    let delete = ServerAction::<DeleteTeam>::new();
    let versions = move || {
        (
            update.version().get(),
            add.version().get(),
            change.version().get(),
            remove.version().get(),
            withdraw.version().get(),
        )
    };
    let team = Resource::new(move || (name(), versions()), |(name, _)| load_team(name));
    let audit = Resource::new(move || (name(), versions()), |(name, _)| team_audit(name));
    let invitations = Resource::new(
        move || (name(), versions()),
        |(name, _)| team_invitations(name),
    );
    let auth = use_auth();

    view! {
        <Title text="Team settings" />
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            // Everything the page shows is awaited here, at one level, with no suspended view
            // nested inside this one: nested ones are a known source of hydration mismatches, and
            // this page failed to hydrate (at its error branch) in one CI run.
            {move || Suspend::new(async move {
                let me = auth.user.await.ok().flatten();
                let (team, audit, invitations) = (team.await, audit.await, invitations.await);
                match (team, me) {
                    (Ok(Some(page)), Some(me)) if page.viewer_role.is_some() => {
                        let role = page.viewer_role.unwrap_or(Role::Member);
                        view! {
                            <section class="stack-lg">
                                <header>
                                    <h1>{page.team.title.clone()} " · settings"</h1>
                                    <p><a href=format!("/teams/{}", page.team.name)>"Back to the team page"</a></p>
                                </header>
                                {(role >= Role::Admin).then(|| view! { <EditTeam page=page.clone() update /> }.into_any())}
                                {view! { <Members page=page.clone() me=me.username.clone() role add change remove /> }.into_any()}
                                {(role >= Role::Admin).then(|| view! { <PendingInvitations invitations withdraw role /> }.into_any())}
                                <RolesExplained />
                                {(role == Role::Owner).then(|| view! { <DeleteTeamForm team=page.team.name.clone() delete /> }.into_any())}
                                {(role >= Role::Admin).then(|| view! { <AuditLog audit /> }.into_any())}
                            </section>
                        }.into_any()
                    }
                    (Ok(Some(_)), Some(_)) => view! {
                        <p class="alert error" role="alert">"Only members of this team can see its settings."</p>
                    }.into_any(),
                    (Ok(Some(_)), None) => ().into_any(),
                    (Ok(None), _) => view! { <NotFound /> }.into_any(),
                    (Err(e), _) => view! { <p class="alert error" role="alert">{e.message}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// The team's audit log, newest first.
#[component]
fn AuditLog(audit: Result<Vec<AuditEntry>, crate::error::ErrorBody>) -> impl IntoView {
    view! {
        <div class="panel">
            <h2>"Audit log"</h2>
            {match audit {
                Ok(entries) => view! {
                    <ul class="audit" data-testid="audit-log">
                        {entries.into_iter().map(|e| view! {
                            <li>
                                <time>{format_date(e.created_at)}</time> " "
                                <strong>{e.actor}</strong> " " {e.action}
                                {e.subject.map(|s| view! { " " <strong>{s}</strong> })}
                                {e.detail.map(|d| format!(" {d}"))}
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any(),
                Err(e) => view! { <p class="alert error">{e.message}</p> }.into_any(),
            }}
        </div>
    }
}

#[component]
fn EditTeam(page: TeamPage, update: ServerAction<UpdateTeam>) -> impl IntoView {
    let error = action_error(update);
    let saved = move || matches!(update.value().get(), Some(Ok(())));
    view! {
        <ActionForm action=update attr:class="stack panel" attr:aria-labelledby="info-heading">
            <h2 id="info-heading">"Information"</h2>
            <FormAlert error=error />
            <input type="hidden" name="team" value=page.team.name.clone() />
            <div class="field">
                <label for="title">"Title"</label>
                <input id="title" name="title" type="text" value=page.team.title.clone() maxlength=super::TITLE_MAX />
                <p class="field-error">{move || field_error(error, "title").get()}</p>
            </div>
            <div class="field">
                <label for="description">"Description"</label>
                <p class="hint" id="description-hint">"Markdown. Shown on the team page; scripts and raw HTML are removed."</p>
                <TextArea id="description" name="description" rows=6 described_by="description-hint" text=page.team.description.clone() />
                <p class="field-error">{move || field_error(error, "description").get()}</p>
            </div>
            <div>
                <button type="submit" class="button">"Save"</button>
                {move || saved().then(|| view! { <span class="saved" role="status">" Saved."</span> })}
            </div>
        </ActionForm>
    }
}

fn role_options(selected: Role, up_to: Role) -> impl IntoView {
    Role::ALL
        .into_iter()
        .filter(move |r| *r <= up_to)
        .map(move |r| view! { <option value=r.as_str() selected=r == selected>{r.as_str()}</option> })
        .collect_view()
}

#[component]
fn Members(
    page: TeamPage,
    me: String,
    role: Role,
    add: ServerAction<InviteMember>,
    change: ServerAction<ChangeMemberRole>,
    remove: ServerAction<RemoveTeamMember>,
) -> impl IntoView {
    let team = page.team.name.clone();
    let invited = move || add.value().get().and_then(Result::ok);
    let add_error = action_error(add);
    let change_error = action_error(change);
    let remove_error = action_error(remove);
    let grantable = if role == Role::Owner {
        Role::Owner
    } else {
        Role::Developer
    };
    view! {
        <div class="panel stack">
            <h2>"Members"</h2>
            <FormAlert error=change_error />
            <FormAlert error=remove_error />
            <table class="table">
                <thead><tr><th scope="col">"Member"</th><th scope="col">"Role"</th><th scope="col"><span class="visually-hidden">"Actions"</span></th></tr></thead>
                <tbody>
                    {page.team.members.into_iter().map(|member| {
                        let manageable = role == Role::Owner || (role == Role::Admin && member.role < Role::Admin);
                        view! { <MemberRow team=team.clone() member me=me.clone() manageable grantable change remove /> }.into_any()
                    }).collect_view()}
                </tbody>
            </table>
            {(role >= Role::Admin).then(|| view! {
                <ActionForm action=add attr:class="stack" attr:aria-labelledby="add-heading">
                    <h3 id="add-heading">"Invite a member"</h3>
                    <p class="hint">"The person becomes a member when they accept the invitation on their Teams page."</p>
                    <FormAlert error=add_error />
                    <input type="hidden" name="team" value=team.clone() />
                    <Field label="Username" name="username" error=field_error(add_error, "username") />
                    <div class="field">
                        <label for="add-role">"Role"</label>
                        <p class="hint" id="add-role-hint">"What each role may do is explained below."</p>
                        <select id="add-role" name="role" aria-describedby="add-role-hint">{role_options(Role::Developer, grantable)}</select>
                    </div>
                    <div>
                        <button type="submit" class="button">"Invite"</button>
                        {move || invited().map(|i| view! {
                            <span class="saved" role="status">{format!(" Invited {} as {}.", i.username, i.role.as_str())}</span>
                        })}
                    </div>
                </ActionForm>
            }.into_any())}
        </div>
    }
}

/// The invitations not answered yet, each with a Withdraw button.
#[component]
fn PendingInvitations(
    invitations: Result<Vec<Invitation>, crate::error::ErrorBody>,
    withdraw: ServerAction<WithdrawInvitation>,
    role: Role,
) -> impl IntoView {
    let error = action_error(withdraw);
    view! {
        <div class="panel stack" data-testid="pending-invitations">
            <h2>"Pending invitations"</h2>
            <FormAlert error=error />
            {match invitations {
                Ok(list) if list.is_empty() => view! { <p class="muted">"No invitations waiting for an answer."</p> }.into_any(),
                Ok(list) => view! {
                    <ul class="team-list">
                        {list.into_iter().map(|i| {
                            let may_withdraw = role == Role::Owner || i.role < Role::Admin;
                            let testid = format!("invited-{}", i.username);
                            let text = format!(" as {}, invited by {} on {} ", i.role.as_str(), i.invited_by, format_date(i.created_at));
                            let (team, username) = (i.team.clone(), i.username.clone());
                            view! {
                                <li data-testid=testid>
                                    <strong>{i.username}</strong>
                                    {text}
                                    {may_withdraw.then(move || view! {
                                        <ActionForm action=withdraw attr:class="inline-form">
                                            <input type="hidden" name="team" value=team />
                                            <input type="hidden" name="username" value=username />
                                            <button type="submit" class="button-link">"Withdraw"</button>
                                        </ActionForm>
                                    })}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any(),
                Err(e) => view! { <p class="alert error" role="alert">{e.message}</p> }.into_any(),
            }}
        </div>
    }
}

/// What each role may do, where roles are chosen.
#[component]
pub fn RolesExplained() -> impl IntoView {
    view! {
        <div class="panel stack roles-explained">
            <h2>"What each role may do"</h2>
            <dl class="roles">
                {Role::ALL.into_iter().map(|role| view! {
                    <dt><span class=format!("badge role-{}", role.as_str())>{role.as_str()}</span></dt>
                    <dd>{role.description()}</dd>
                }).collect_view()}
            </dl>
        </div>
    }
}

#[component]
fn MemberRow(
    team: String,
    member: Member,
    me: String,
    manageable: bool,
    grantable: Role,
    change: ServerAction<ChangeMemberRole>,
    remove: ServerAction<RemoveTeamMember>,
) -> impl IntoView {
    let (confirming, set_confirming) = signal(false);
    let is_me = member.username == me;
    let username = member.username.clone();
    let select_id = format!("role-{}", member.username);
    let select_label = format!("Role of {}", member.username);
    let row_id = format!("member-{}", member.username);
    let (team2, username2) = (team.clone(), username.clone());
    view! {
        <tr data-testid=row_id>
            <td><a href=format!("/u/{}", member.username)>{member.display_name.clone()}</a> " " <span class="muted">{member.username.clone()}</span></td>
            <td>
                {if manageable && !is_me {
                    view! {
                        <ActionForm action=change attr:class="inline-form">
                            <input type="hidden" name="team" value=team.clone() />
                            <input type="hidden" name="username" value=username.clone() />
                            <label class="visually-hidden" for=select_id.clone()>{select_label}</label>
                            <select id=select_id name="role">{role_options(member.role, grantable.max(member.role))}</select>
                            " " <button type="submit" class="button small">"Change role"</button>
                        </ActionForm>
                    }.into_any()
                } else {
                    view! { <span class=format!("badge role-{}", member.role.as_str())>{member.role.as_str()}</span> }.into_any()
                }}
            </td>
            <td>
                {(manageable || is_me).then(|| view! {
                    <Show
                        when=move || confirming.get()
                        fallback=move || view! {
                            <button type="button" class="button-link" on:click=move |_| set_confirming.set(true)>
                                {if is_me { "Leave team" } else { "Remove" }}
                            </button>
                        }
                    >
                        <span class="confirm">
                            {if is_me { "Leave this team?".to_string() } else { format!("Remove {}?", username2) }}
                            <button type="button" class="button danger small" on:click={
                                let (team, username) = (team2.clone(), username2.clone());
                                move |_| { remove.dispatch(RemoveTeamMember { team: team.clone(), username: username.clone() }); }
                            }>{if is_me { "Yes, leave" } else { "Yes, remove" }}</button>
                            <button type="button" class="button-link" on:click=move |_| set_confirming.set(false)>"Cancel"</button>
                        </span>
                    </Show>
                })}
            </td>
        </tr>
    }
}

#[component]
fn DeleteTeamForm(team: String, delete: ServerAction<DeleteTeam>) -> impl IntoView {
    let error = action_error(delete);
    view! {
        <ActionForm action=delete attr:class="stack panel danger-zone" attr:aria-labelledby="delete-heading">
            <h2 id="delete-heading">"Delete this team"</h2>
            <p>"This cannot be undone. A team that holds resources cannot be deleted."</p>
            <FormAlert error=error />
            <input type="hidden" name="team" value=team.clone() />
            <Field label="Type the team's name to confirm" name="confirm" error=field_error(error, "confirm") />
            <button type="submit" class="button danger">"Delete team"</button>
        </ActionForm>
    }
}
