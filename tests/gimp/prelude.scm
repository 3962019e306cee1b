; SPDX-License-Identifier: GPL-3.0-or-later
; Helpers for the gimp suite's cases.  run-case.py defines ns-shared (the
; shared images' parent folder) and ns-out (a scratch folder) before this.
; A case prints "NS-OK name" or "NS-FAIL name: detail" lines and ends with
; (ns-done).

; Calls (thunk); on a Script-Fu or PDB error returns #f and keeps the error
; text in ns-last-error.
(define ns-last-error "")
(define (ns-try thunk)
  (call/cc
    (lambda (k)
      (let ((old *error-hook*))
        (set! *error-hook*
              (lambda args
                (set! *error-hook* old)
                (set! ns-last-error
                      (if (and (pair? args) (string? (car args)))
                          (car args)
                          "unknown error"))
                (k #f)))
        (let ((result (thunk)))
          (set! *error-hook* old)
          result)))))

(define (ns-check name ok . detail)
  (display (if ok "NS-OK " "NS-FAIL "))
  (display name)
  (if (and (not ok) (pair? detail))
      (begin (display ": ") (for-each display detail)))
  (newline)
  ok)

(define (ns-done) (display "NS-DONE") (newline))

; #t when the string sub occurs in s.
(define (ns-contains? s sub)
  (let ((n (string-length s)) (m (string-length sub)))
    (let loop ((i 0))
      (cond ((> (+ i m) n) #f)
            ((string=? (substring s i (+ i m)) sub) #t)
            (else (loop (+ i 1)))))))

(define (ns-path . parts) (apply string-append ns-shared "/images/" parts))

(define (ns-load . parts)
  (car (gimp-file-load RUN-NONINTERACTIVE (apply ns-path parts))))

(define (ns-layers img) (vector->list (car (gimp-image-get-layers img))))
(define (ns-n-layers img) (length (ns-layers img)))
(define (ns-top img) (car (ns-layers img)))

; A pixel as a list of 0..255 channel values.
(define (ns-pixel drw x y) (car (gimp-drawable-get-pixel drw x y)))

(define (ns-rgb p) (list (car p) (cadr p) (caddr p)))

(define (ns-max-diff a b)
  (apply max (map (lambda (u v) (abs (- u v))) a b)))

; Calls (f x y) for every pixel of a w x h grid with step s; #t when every
; call returned true, else prints the first failing position.
(define (ns-every w h s f)
  (let loop ((y 0) (x 0))
    (cond ((>= y h) #t)
          ((>= x w) (loop (+ y s) 0))
          ((f x y) (loop y (+ x s)))
          (else (display "  first failure at ") (display x) (display ",")
                (display y) (newline) #f))))

; Runs the filter on drw of img with a style file and a fixed seed; returns
; the new layer.
(define (ns-run img drw style-file)
  (car (plug-in-neural-style #:run-mode RUN-NONINTERACTIVE
                             #:image img
                             #:drawables (vector drw)
                             #:style-file style-file
                             #:seed 7)))

; Checks the new layer's name, size, offsets and type.
(define (ns-check-layer tag layer name w h x y type)
  (let ((off (gimp-drawable-get-offsets layer)))
    (ns-check (string-append tag " name")
              (string=? (car (gimp-item-get-name layer)) name)
              (car (gimp-item-get-name layer)))
    (ns-check (string-append tag " size")
              (and (= (car (gimp-drawable-get-width layer)) w)
                   (= (car (gimp-drawable-get-height layer)) h))
              (car (gimp-drawable-get-width layer)) "x"
              (car (gimp-drawable-get-height layer)))
    (ns-check (string-append tag " offsets")
              (and (= (car off) x) (= (cadr off) y)) off)
    (ns-check (string-append tag " type")
              (= (car (gimp-drawable-type layer)) type)
              (gimp-drawable-type layer))))
