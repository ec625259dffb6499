//! The one place templates render (briefs, health reports, playbook texts): each source is
//! compiled once per thread, and escaping follows the template's name: a `.html` name escapes
//! every value for HTML, a `.md` name escapes the HTML a Markdown viewer would otherwise render
//! (`<`, `>`, `&`), and any other renders text as it is.

use crate::error::Result;
use std::cell::RefCell;

thread_local! {
    /// Compiled templates keyed by source and name: an import renders the same few playbook
    /// templates for thousands of handoffs.
    static TEMPLATES: RefCell<minijinja::Environment<'static>> = RefCell::new(environment());
}

fn environment() -> minijinja::Environment<'static> {
    use minijinja::AutoEscape;
    let mut env = minijinja::Environment::new();
    env.set_auto_escape_callback(|name| {
        // The key ends with the template's name (see `render`).
        if name.ends_with(".md") {
            AutoEscape::Custom("markdown")
        } else {
            minijinja::default_auto_escape_callback(name)
        }
    });
    env.set_formatter(|out, state, value| {
        if state.auto_escape() == AutoEscape::Custom("markdown") {
            if value.is_none() || value.is_undefined() {
                return Ok(());
            }
            let text = value.to_string();
            let text = if value.is_safe() {
                text
            } else {
                escape_chat(&text)
            };
            return out.write_str(&text).map_err(minijinja::Error::from);
        }
        minijinja::escape_formatter(out, state, value)
    });
    env
}

/// Text for Slack's mrkdwn (and Google Chat's): `&`, `<`, `>` escaped as Slack asks, so a value
/// can neither become a link nor mention a channel.
pub(crate) fn escape_chat(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Renders template `src` (known to the user as `name`) with `ctx`. A syntax error is reported
/// under `name`.
pub(crate) fn render(name: &str, src: &str, ctx: minijinja::Value) -> Result<String> {
    // The name ends the key, so the default escaping (by the name's ending) still applies.
    let key = format!("{src}\u{1f}{name}");
    TEMPLATES.with_borrow_mut(|env| {
        if env.get_template(&key).is_err() {
            minijinja::Environment::new().template_from_named_str(name, src)?;
            env.add_template_owned(key.clone(), src.to_string())?;
        }
        Ok(env.get_template(&key)?.render(ctx)?)
    })
}

#[cfg(test)]
mod tests {
    use super::render;

    #[test]
    fn html_and_markdown_names_escape_and_others_render_text_as_it_is() {
        let ctx = minijinja::context! { v => "<b>&" };
        assert_eq!(
            render("x.html", "{{ v }}", ctx.clone()).unwrap(),
            "&lt;b&gt;&amp;"
        );
        assert_eq!(
            render("x.md", "{{ v }}", ctx.clone()).unwrap(),
            "&lt;b&gt;&amp;"
        );
        assert_eq!(render("title", "{{ v }}", ctx).unwrap(), "<b>&");
        let none = minijinja::context! { v => None::<String> };
        assert_eq!(render("y.md", "[{{ v }}]", none).unwrap(), "[]");
        let e = render("email_body", "{{ v", minijinja::context! {}).unwrap_err();
        assert!(e.to_string().contains("email_body"), "{e}");
    }
}
